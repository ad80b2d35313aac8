import { mergeHtml, mergeText, unknownMergeFields } from './merge-fields';

describe('campaign merge fields', () => {
  const values = { name: 'Ana <b>&</b>', email: 'ana@example.com' };

  it('fills name and email, escaped in HTML only', () => {
    expect(mergeHtml('<p>Hi {{name}} ({{ email }})</p>', values)).toBe(
      '<p>Hi Ana &lt;b&gt;&amp;&lt;/b&gt; (ana@example.com)</p>',
    );
    expect(mergeText('Deals for {{name}}', values)).toBe('Deals for Ana <b>&</b>');
  });

  it('lists unknown fields once each, as written', () => {
    expect(unknownMergeFields('{{name}} {{ company }} {{company}} {{}} {{ company }}')).toEqual([
      '{{ company }}',
      '{{company}}',
      '{{}}',
    ]);
    expect(unknownMergeFields('Hi {{name}}, {email} is not a field')).toEqual([]);
  });
});
