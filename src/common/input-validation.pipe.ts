import { ArgumentMetadata, BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';
import { hostileInputProblems } from './unstorable-text';

const CHECKED: ReadonlySet<ArgumentMetadata['type']> = new Set(['body', 'query', 'param']);

/**
 * The one validation step of every HTTP input. Before the DTO rules run, the raw body, query and
 * path parameters are refused (400) when they hold text PostgreSQL cannot store as sent (NUL,
 * lone surrogates) or a `__proto__` / `constructor` key: class-transformer drops those keys
 * before the whitelist looks, so without this they were accepted while any other unknown field
 * was a 400. Runs for every route, with or without a DTO, so a new DTO cannot forget it.
 */
@Injectable()
export class InputValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Socket.IO payloads (numeric param types) are validated by their gateway.
    if (CHECKED.has(metadata.type)) {
      const problems = hostileInputProblems(value, metadata.data ?? '');
      if (problems.length > 0) throw new BadRequestException(problems);
    }
    return super.transform(value, metadata);
  }
}
