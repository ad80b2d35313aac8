import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../common/public.decorator';
import { CachedResponse } from '../cache/cached-response.decorator';
import { Roles } from '../auth/roles.decorator';
import { RateLimit } from '../throttle/rate-limit.decorator';
import { CreateShipmentDto, SearchShipmentsQueryDto, UpdateShipmentDto } from './dto/shipment.dto';
import { ShipmentsService } from './shipments.service';

@ApiTags('shipments')
@Controller('shipments')
export class ShipmentsController {
  constructor(private readonly shipments: ShipmentsService) {}

  @Post()
  @ApiBearerAuth()
  @Roles('COMPANY')
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateShipmentDto) {
    return this.shipments.create(user, dto);
  }

  // Declared before ':id' so that "search" is never taken for an id.
  @Get('search')
  @Public()
  @RateLimit('SEARCH')
  @CachedResponse('SEARCH', { query: { page: '1', limit: '20' } })
  search(@Query() query: SearchShipmentsQueryDto) {
    return this.shipments.search(query);
  }

  @Get(':id')
  @Public()
  findOne(@Param('id', ParseUUIDPipe) id: string) {
    return this.shipments.findById(id);
  }

  @Patch(':id')
  @ApiBearerAuth()
  @Roles('COMPANY')
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateShipmentDto,
  ) {
    return this.shipments.update(user, id, dto);
  }
}
