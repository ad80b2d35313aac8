import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

/*
 * The bare-framework ceiling: NestJS 11 with one empty route, no guards, pipes, interceptors,
 * logging, database or Redis. BARE_ADAPTER=express (default: the adapter the API runs on) or
 * fastify (issue 22: what the other adapter would allow). Whatever the API serves per second is
 * compared to the Express one (see docs/benchmarks.md).
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
