import { renderNotification } from './notification-text';

const ticket = {
  id: '11111111-2222-4333-8444-555555555555',
  reference: 'T-10042',
  subject: 'Re: [T-10042] Broken\r\nBcc: x@y',
  dueAt: new Date('2026-12-06T10:30:00Z'),
};

describe('renderNotification', () => {
  it('names the ticket by reference and link, in one safe subject line without a [T-…] token', () => {
    const mail = renderNotification('assigned', ticket, 'https://desk.example/');
    expect(mail.subject).toBe('Assigned to you: Re: Broken Bcc: x@y (T-10042)');
    expect(mail.subject).not.toMatch(/[\r\n]|\[T-/);
    expect(mail.text).toContain('https://desk.example/tickets/11111111-2222-4333-8444-555555555555');
    expect(mail.text).toContain('https://desk.example/account');
  });

  it('says how long until an SLA target is due', () => {
    const mail = renderNotification(
      'sla_first_response',
      ticket,
      'https://desk.example',
      new Date('2026-12-06T10:05:00Z'),
    );
    expect(mail.subject).toMatch(/^First response due in 25 min: /);
    expect(mail.text).toContain('2026-12-06 10:30 UTC');
    expect(
      renderNotification('sla_resolution', ticket, 'https://d.example', new Date('2026-12-06T10:00:00Z')).subject,
    ).toMatch(/^Resolution due in 30 min/);
    expect(renderNotification('customer_replied', ticket, 'https://d.example').subject).toMatch(/^Customer replied: /);
  });
});
