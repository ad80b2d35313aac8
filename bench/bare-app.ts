import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

/*
 * The bare-framework ceiling: NestJS 11 on the same Express adapter as the API, one empty route,
 * no guards, pipes, interceptors, logging, database or Redis. Whatever the API serves per second
 * is compared to this (see docs/benchmarks.md).
 */

@Controller()
class EmptyController {
  @Get('empty')
  empty(): Record<string, never> {
    return {};
  }
}

@Module({ controllers: [EmptyController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(BareModule, { logger: ['error'] });
  app.disable('x-powered-by');
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
}

void main();
