import { splitQuotedText } from './split-quotes.filter';

describe('splitQuotedText', () => {
  it('splits a Gmail-style reply with a wrapped attribution line', () => {
    const r = splitQuotedText(
      'Thanks, that worked.\n\nOn Mon, 1 Jan 2026 at 10:00, Support <support@desk.test>\nwrote:\n> Try this\n> and that',
    );
    expect(r.visible).toBe('Thanks, that worked.');
    expect(r.quoted).toMatch(/^On Mon/);
  });

  it('splits Outlook From:/Sent: blocks and separates the signature', () => {
    const r = splitQuotedText(
      'New text\n-- \nJane Doe\nACME\n\nFrom: Support <s@desk.test>\nSent: Monday\nTo: Jane\nSubject: x\n\nold',
    );
    expect(r).toEqual({
      visible: 'New text',
      signature: 'Jane Doe\nACME',
      quoted: 'From: Support <s@desk.test>\nSent: Monday\nTo: Jane\nSubject: x\n\nold',
    });
  });

  it('keeps everything when nothing precedes the quote', () => {
    expect(splitQuotedText('> only quoted').visible).toBe('> only quoted');
  });

  it('does not cut at an inline quote followed by more new text', () => {
    expect(splitQuotedText('> you said\nI disagree').quoted).toBeNull();
  });
});
