import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

/*
 * The bare-framework ceiling: NestJS 11 with one empty route, no guards, pipes, interceptors,
 * logging, database or Redis. BARE_ADAPTER=express (default: issue 18 defines the ceiling on it)
 * or fastify (the adapter the API runs on since issue 22). Whatever the API serves per second is
 * compared to the Express one, and in the targets scenario to the Fastify one too (see
 * docs/benchmarks.md).
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
  const port = Number(process.env.PORT ?? 3999);
  if (process.env.BARE_ADAPTER === 'fastify') {
    const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), {
      logger: ['error'],
    });
    app.enableShutdownHooks();
    await app.listen(port, '127.0.0.1');
    return;
  }
  const app = await NestFactory.create<NestExpressApplication>(BareModule, { logger: ['error'] });
  app.disable('x-powered-by');
  app.enableShutdownHooks();
  await app.listen(port, '127.0.0.1');
}

void main();
