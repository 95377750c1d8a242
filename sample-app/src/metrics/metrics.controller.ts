import { Controller, Get, Res } from '@nestjs/common';
import { Registry } from 'prom-client';

interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

/** Prometheus scrapes this application instance's registry (never prom-client's global one). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Get()
  async scrape(@Res({ passthrough: true }) response: HeaderSink): Promise<string> {
    response.setHeader('content-type', this.registry.contentType);
    return this.registry.metrics();
  }
}
