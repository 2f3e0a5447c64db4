import { contactMatchSql } from './customer-match';
import { customerSearchTerms } from './inbox-filter';

function build(text: string): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const sql = contactMatchSql(customerSearchTerms(text), (v) => {
    values.push(v);
    return `$${values.length}`;
  });
  return { sql, values };
}

describe('contactMatchSql', () => {
  it('looks a whole address up by equality', () => {
    const { sql, values } = build('Erika@Example.org');
    expect(values).toEqual(['erika@example.org']);
    expect(sql).toContain('c.email = $1');
    expect(sql).not.toContain('LIKE');
  });

  it('matches parts with escaped LIKE patterns, every term required', () => {
    const { sql, values } = build('erika 100%_off');
    expect(values).toEqual(['%erika%', '%100\\%\\_off%']);
    expect(sql).toContain('LIKE $1 AND');
  });

  it('treats an address with a wildcard as a part, not as an exact address', () => {
    expect(build('a_b@example.org').values).toEqual(['a_b@example.org']);
    expect(build('erika@').values).toEqual(['%erika@%']);
  });
});
