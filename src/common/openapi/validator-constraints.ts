import type { Type } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/**
 * What a class-validator rule says about a value, as OpenAPI schema keywords. The validators are
 * the truth about what a DTO accepts: the document copies them, so a changed range is documented
 * by the change itself. Explicit @ApiProperty keywords win.
 */
const KEYWORDS: Record<string, (constraints: unknown[]) => SchemaObject> = {
  isInt: () => ({ type: 'integer' }),
  min: ([value]) => ({ minimum: value as number }),
  max: ([value]) => ({ maximum: value as number }),
  minLength: ([value]) => ({ minLength: value as number }),
  maxLength: ([value]) => ({ maxLength: value as number }),
  isLength: ([min, max]) => ({
    ...(typeof min === 'number' ? { minLength: min } : {}),
    ...(typeof max === 'number' ? { maxLength: max } : {}),
  }),
  isNotEmpty: () => ({ minLength: 1 }),
  isEmail: () => ({ format: 'email' }),
  isUUID: () => ({ format: 'uuid' }),
  isIn: ([values]) => ({ enum: values as unknown[] }),
};

/** The schema keywords each property of `dto` gets from its validators. */
export function validatorKeywords(dto: Type): Map<string, SchemaObject> {
  const byProperty = new Map<string, SchemaObject>();
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  for (const rule of rules) {
    const keywords = rule.name ? KEYWORDS[rule.name] : undefined;
    if (!keywords) continue;
    const schema = byProperty.get(rule.propertyName) ?? {};
    byProperty.set(rule.propertyName, { ...schema, ...keywords(rule.constraints ?? []) });
  }
  return byProperty;
}

/** Adds to `schema` what the validators say and it does not (a string schema gets no minimum). */
export function completeSchema(schema: SchemaObject, keywords: SchemaObject): void {
  const isString = schema.type === 'string';
  for (const [key, value] of Object.entries(keywords) as [keyof SchemaObject, unknown][]) {
    if (key === 'type') {
      // IsInt narrows a number to an integer.
      if (schema.type === 'number') schema.type = 'integer';
      continue;
    }
    if (schema[key] !== undefined) continue;
    if ((key === 'minimum' || key === 'maximum') && isString) continue;
    if ((key === 'minLength' || key === 'maxLength' || key === 'format') && !isString) continue;
    (schema as Record<string, unknown>)[key] = value;
  }
}
