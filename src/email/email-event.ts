/** Every email's event, sent as the `X-Parcsal-Event` header (docs/contract.md "Email"). */
export enum EmailEvent {
  BookingCreated = 'booking.created',
  BookingConfirmed = 'booking.confirmed',
  BookingRejected = 'booking.rejected',
  BookingCancelled = 'booking.cancelled',
  BookingDelivered = 'booking.delivered',
  CompanyInvitation = 'company.invitation',
  SecurityNewDevice = 'security.new_device',
  Campaign = 'campaign',
}
