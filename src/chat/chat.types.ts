/** A chat message as the API and the `chat:message` socket event show it. */
export interface ChatMessageView {
  id: string;
  bookingId: string;
  senderId: string;
  text: string;
  createdAt: string;
}

/** One conversation per booking, as `GET /chat/conversations` lists it. */
export interface ConversationView {
  bookingId: string;
  status: string;
  shipment: { id: string; origin: string; destination: string; departureAt: string };
  customer: { id: string; name: string };
  company: { id: string; name: string };
  lastMessage: ChatMessageView | null;
  /** Latest activity: the last message, else the booking's last change. */
  updatedAt: string;
}

/** Message length bounds, after trimming. */
export const CHAT_TEXT_MAX_LENGTH = 2000;
