import {
  BadRequestException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { isUUID } from 'class-validator';
import { and, asc, count, desc, eq, or, sql, SQL } from 'drizzle-orm';
import type { AuthUser } from '../auth/auth-user';
import { offsetOf, Page, PaginationQueryDto } from '../common/pagination.dto';
import { DB, Database, schema } from '../database';
import { chatTextToStore } from './chat-text';
import { CHAT_TEXT_MAX_LENGTH, ChatMessageView, ConversationView } from './chat.types';

const { bookings, chatMessages, companies, shipments, users } = schema;

type ChatMessageRow = typeof chatMessages.$inferSelect;

function toMessageView(row: ChatMessageRow): ChatMessageView {
  return {
    id: row.id,
    bookingId: row.bookingId,
    senderId: row.senderId,
    text: row.text,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * One conversation per booking, between its customer and the members of its company. Used by
 * the HTTP history routes and by the realtime gateway (join, send), so the participant rule
 * lives in one place.
 */
@Injectable()
export class ChatService {
  constructor(@Inject(DB) private readonly db: Database) {}

  /**
   * Unknown booking: 404; someone who is neither its customer nor a member of its company: 403.
   * Membership is read from the database, not from the caller's token or socket handshake, so a
   * user who joined or left the company since signing in is judged by what is true now.
   */
  async assertParticipant(user: Pick<AuthUser, 'id'>, bookingId: string): Promise<void> {
    if (!isUUID(bookingId)) throw new NotFoundException('Booking not found');
    const [booking] = await this.db
      .select({ customerId: bookings.customerId, memberId: users.id })
      .from(bookings)
      .leftJoin(
        users,
        and(
          eq(users.id, user.id),
          eq(users.role, 'COMPANY'),
          eq(users.companyId, bookings.companyId),
        ),
      )
      .where(eq(bookings.id, bookingId))
      .limit(1);
    if (!booking) throw new NotFoundException('Booking not found');
    if (booking.customerId !== user.id && booking.memberId === null) {
      throw new ForbiddenException('You are not a participant of this conversation');
    }
  }

  /** Stores a message of a participant; the text is trimmed and must be 1..2000 storable characters. */
  async send(
    user: Pick<AuthUser, 'id'>,
    bookingId: string,
    text: string,
  ): Promise<ChatMessageView> {
    const trimmed = chatTextToStore(text);
    if (trimmed === null) {
      throw new BadRequestException(
        `text must be 1 to ${CHAT_TEXT_MAX_LENGTH} characters, without NUL or unpaired surrogates`,
      );
    }
    await this.assertParticipant(user, bookingId);
    const [row] = await this.db
      .insert(chatMessages)
      .values({ bookingId, senderId: user.id, text: trimmed })
      .returning();
    return toMessageView(row);
  }

  /** A conversation's messages, oldest first (participants only). */
  async listMessages(
    user: Pick<AuthUser, 'id'>,
    bookingId: string,
    query: PaginationQueryDto,
  ): Promise<Page<ChatMessageView>> {
    await this.assertParticipant(user, bookingId);
    const where = eq(chatMessages.bookingId, bookingId);
    const [rows, [{ total }]] = await Promise.all([
      this.db
        .select()
        .from(chatMessages)
        .where(where)
        .orderBy(asc(chatMessages.createdAt), asc(chatMessages.id))
        .limit(query.limit)
        .offset(offsetOf(query)),
      this.db.select({ total: count() }).from(chatMessages).where(where),
    ]);
    return { items: rows.map(toMessageView), total, page: query.page, limit: query.limit };
  }

  /**
   * The user's conversations: every booking they are the customer of or whose company they are
   * a member of, with its last message, newest activity first.
   */
  async listConversations(
    user: Pick<AuthUser, 'id' | 'role' | 'companyId'>,
    query: PaginationQueryDto,
  ): Promise<Page<ConversationView>> {
    const conditions: SQL[] = [eq(bookings.customerId, user.id)];
    if (user.role === 'COMPANY' && user.companyId) {
      conditions.push(eq(bookings.companyId, user.companyId));
    }
    const where = or(...conditions);

    const lastMessage = this.db
      .select({
        id: chatMessages.id,
        senderId: chatMessages.senderId,
        text: chatMessages.text,
        createdAt: chatMessages.createdAt,
      })
      .from(chatMessages)
      .where(eq(chatMessages.bookingId, bookings.id))
      .orderBy(desc(chatMessages.createdAt), desc(chatMessages.id))
      .limit(1)
      .as('last_message');
    // greatest() skips NULLs: a conversation without messages is as recent as its booking.
    const activity = sql<Date>`greatest(${bookings.updatedAt}, ${lastMessage.createdAt})`.mapWith(
      bookings.updatedAt,
    );

    const [rows, [{ total }]] = await Promise.all([
      this.db
        .select({
          bookingId: bookings.id,
          status: bookings.status,
          shipmentId: shipments.id,
          origin: shipments.origin,
          destination: shipments.destination,
          departureAt: shipments.departureAt,
          customerId: users.id,
          customerName: users.name,
          companyId: companies.id,
          companyName: companies.name,
          lastMessage: {
            id: lastMessage.id,
            senderId: lastMessage.senderId,
            text: lastMessage.text,
            createdAt: lastMessage.createdAt,
          },
          updatedAt: activity,
        })
        .from(bookings)
        .innerJoin(shipments, eq(shipments.id, bookings.shipmentId))
        .innerJoin(users, eq(users.id, bookings.customerId))
        .innerJoin(companies, eq(companies.id, bookings.companyId))
        .leftJoinLateral(lastMessage, sql`true`)
        .where(where)
        .orderBy(desc(activity), desc(bookings.id))
        .limit(query.limit)
        .offset(offsetOf(query)),
      this.db.select({ total: count() }).from(bookings).where(where),
    ]);

    return {
      items: rows.map((row) => ({
        bookingId: row.bookingId,
        status: row.status,
        shipment: {
          id: row.shipmentId,
          origin: row.origin,
          destination: row.destination,
          departureAt: row.departureAt.toISOString(),
        },
        customer: { id: row.customerId, name: row.customerName },
        company: { id: row.companyId, name: row.companyName },
        lastMessage: row.lastMessage
          ? {
              id: row.lastMessage.id,
              bookingId: row.bookingId,
              senderId: row.lastMessage.senderId,
              text: row.lastMessage.text,
              createdAt: row.lastMessage.createdAt.toISOString(),
            }
          : null,
        updatedAt: row.updatedAt.toISOString(),
      })),
      total,
      page: query.page,
      limit: query.limit,
    };
  }
}
