import { fieldErrors, formRequestSchema } from './form-request.schema';

const valid = { name: 'Ada Lovelace', email: 'ada@example.org', subject: 'Printer on fire', message: 'Help' };

describe('web form validation', () => {
  it('accepts a complete request and leaves consent boxes unticked by default', () => {
    const result = formRequestSchema.parse(valid);
    expect(result.consentPromotionalEmail).toBe(false);
    expect(result.consentMarketResearch).toBe(false);
  });

  it('reads ticked boxes from form encodings', () => {
    const result = formRequestSchema.parse({ ...valid, consentPromotionalEmail: 'on', consentMarketResearch: 'false' });
    expect(result.consentPromotionalEmail).toBe(true);
    expect(result.consentMarketResearch).toBe(false);
  });

  it.each([
    ['name', 'Eve\r\nBcc: victim@example.org'],
    ['subject', 'Hi\nX-Injected: 1'],
    ['email', 'ada@example.org\r\nBcc: x@y.z'],
  ])('rejects CR/LF in %s', (field, value) => {
    const result = formRequestSchema.safeParse({ ...valid, [field]: value });
    expect(result.success).toBe(false);
    if (!result.success) expect(Object.keys(fieldErrors(result.error))).toContain(field);
  });

  it('names every missing or invalid field', () => {
    const result = formRequestSchema.safeParse({ email: 'not-an-address' });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(fieldErrors(result.error)).toEqual({
        name: 'is required',
        email: 'must be an email address',
        subject: 'is required',
        message: 'is required',
      });
    }
  });
});
