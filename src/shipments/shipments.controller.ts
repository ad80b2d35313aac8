import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { Public } from '../common/public.decorator';
import { Roles } from '../auth/roles.decorator';
import { CachedResponse } from '../cache/cached-response.decorator';
import { ApiCreated, ApiErrors, ApiOk, Summary } from '../common/openapi/api-responses.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { CreateShipmentDto, SearchShipmentsQueryDto, UpdateShipmentDto } from './dto/shipment.dto';
import { ShipmentPage, ShipmentView } from './shipment.view';
import { ShipmentsService } from './shipments.service';

@ApiTags('shipments')
@Controller('shipments')
export class ShipmentsController {
  constructor(private readonly shipments: ShipmentsService) {}

  @Post()
  @Roles('COMPANY')
  @Summary("Publish capacity on a route (a company's users)")
  @ApiCreated(ShipmentView)
  createShipment(@CurrentUser() user: AuthUser, @Body() dto: CreateShipmentDto) {
    return this.shipments.create(user, dto);
  }

  // Declared before ':id' so that "search" is never taken for an id.
  @Get('search')
  @Public()
  @RateLimit('SEARCH')
  @CachedResponse('SEARCH', { query: { page: '1', limit: '20' } })
  @Summary('Search shipments, soonest departure first')
  @ApiOk(ShipmentPage)
  searchShipments(@Query() query: SearchShipmentsQueryDto) {
    return this.shipments.search(query);
  }

  @Get(':id')
  @Public()
  @Summary('A shipment')
  @ApiOk(ShipmentView)
  getShipment(@Param('id', ParseUUIDPipe) id: string) {
    return this.shipments.findById(id);
  }

  @Patch(':id')
  @Roles('COMPANY')
  @Summary('Change a shipment (its company)')
  @ApiOk(ShipmentView)
  @ApiErrors({ 409: 'The change would leave less capacity than is already booked' })
  updateShipment(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateShipmentDto,
  ) {
    return this.shipments.update(user, id, dto);
  }
}
