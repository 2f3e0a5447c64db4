import { placeholderError, renderTemplate, unknownPlaceholders } from './canned-reply-template';

describe('canned reply placeholders', () => {
  const values = {
    'customer.name': 'Ada',
    'customer.email': 'ada@example.org',
    'ticket.reference': 'T-10042',
    'ticket.subject': 'Printer',
    'agent.name': 'Grace',
  };

  it('fills known placeholders, with or without inner spaces', () => {
    expect(renderTemplate('Hi {{customer.name}}, re {{ ticket.reference }}. — {{agent.name}}', values)).toBe(
      'Hi Ada, re T-10042. — Grace',
    );
  });

  it('leaves unknown placeholders and does not re-expand inserted values', () => {
    expect(
      renderTemplate('{{customer.secret}} {{customer.name}}', { ...values, 'customer.name': '{{agent.name}}' }),
    ).toBe('{{customer.secret}} {{agent.name}}');
  });
});

describe('unknownPlaceholders', () => {
  it('finds placeholders that would be sent literally, once each', () => {
    expect(unknownPlaceholders('Hi {{ customer.name }}, {{contact.name}} {{contact.name}} {{Agent}}')).toEqual([
      'contact.name',
      'Agent',
    ]);
    expect(unknownPlaceholders('Hi {{customer.name}} — {{ticket.reference}}')).toEqual([]);
    expect(placeholderError(['contact.name'])).toContain('known: {{customer.name}}');
  });
});
