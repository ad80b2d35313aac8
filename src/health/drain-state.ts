import { Injectable } from '@nestjs/common';

/**
 * Set once SIGTERM arrives: from then on readiness answers 503, so a load balancer or supervisor
 * stops sending work while the process finishes what it has.
 */
@Injectable()
export class DrainState {
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  start(): void {
    this.draining = true;
  }
}
