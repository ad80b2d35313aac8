import { ApiProperty } from '@nestjs/swagger';
import { BOOKING_STATUSES } from '../bookings/dto/booking.dto';
import { DateTimeProperty, IdProperty } from '../common/openapi/api-property';
import { PageOf } from '../common/pagination.dto';

/** A chat message as the API and the `chat:message` socket event show it. */
export class ChatMessageView {
  @IdProperty()
  id: string;

  @IdProperty()
  bookingId: string;

  @IdProperty()
  senderId: string;

  @ApiProperty({ minLength: 1, maxLength: 2000 })
  text: string;

  @DateTimeProperty()
  createdAt: string;
}

export class ConversationShipment {
  @IdProperty()
  id: string;

  @ApiProperty()
  origin: string;

  @ApiProperty()
  destination: string;

  @DateTimeProperty()
  departureAt: string;
}

export class ConversationParty {
  @IdProperty()
  id: string;

  @ApiProperty()
  name: string;
}

/** One conversation per booking, as `GET /chat/conversations` lists it. */
export class ConversationView {
  @IdProperty()
  bookingId: string;

  @ApiProperty({ enum: BOOKING_STATUSES, description: "The booking's status" })
  status: string;

  @ApiProperty({ type: ConversationShipment })
  shipment: ConversationShipment;

  @ApiProperty({ type: ConversationParty })
  customer: ConversationParty;

  @ApiProperty({ type: ConversationParty })
  company: ConversationParty;

  @ApiProperty({ type: ChatMessageView, nullable: true })
  lastMessage: ChatMessageView | null;

  /** Latest activity: the last message, else the booking's last change. */
  @DateTimeProperty({
    description: "Latest activity: the last message, else the booking's last change",
  })
  updatedAt: string;
}

export class ConversationPage extends PageOf(ConversationView) {}

export class ChatMessagePage extends PageOf(ChatMessageView) {}

/** Message length bounds, after trimming. */
export const CHAT_TEXT_MAX_LENGTH = 2000;
