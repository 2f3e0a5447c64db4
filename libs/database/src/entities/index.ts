import { AttachmentContentEntity } from './attachment-content.entity';
import { AttachmentEntity } from './attachment.entity';
import { ConsentEntity } from './consent.entity';
import { ContactEntity } from './contact.entity';
import { GroupEntity } from './group.entity';
import { HistoryEventEntity } from './history-event.entity';
import { InboundMessageEntity } from './inbound-message.entity';
import { LoginEventEntity } from './login-event.entity';
import { MailboxEntity } from './mailbox.entity';
import { MessageEntity } from './message.entity';
import { SessionEntity } from './session.entity';
import { TicketEntity } from './ticket.entity';
import { UserEntity } from './user.entity';

export * from './enums';
export {
  AttachmentContentEntity,
  AttachmentEntity,
  ConsentEntity,
  ContactEntity,
  GroupEntity,
  HistoryEventEntity,
  InboundMessageEntity,
  LoginEventEntity,
  MailboxEntity,
  MessageEntity,
  SessionEntity,
  TicketEntity,
  UserEntity,
};
export { formatTicketReference, parseTicketReference, TICKET_NUMBER_SEQUENCE } from './ticket.entity';

/** Every entity; the data source and the migration check use this list. */
export const ALL_ENTITIES = [
  AttachmentContentEntity,
  AttachmentEntity,
  ConsentEntity,
  ContactEntity,
  GroupEntity,
  HistoryEventEntity,
  InboundMessageEntity,
  LoginEventEntity,
  MailboxEntity,
  MessageEntity,
  SessionEntity,
  TicketEntity,
  UserEntity,
];
