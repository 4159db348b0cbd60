import { Cents, formatMoney, maxAmount, personText, UserId } from './common';

describe('money', () => {
  it('writes cents as dollars a person reads', () => {
    expect([formatMoney(1_200, 'USD'), formatMoney(5, 'USD'), formatMoney(maxAmount, 'USD')]).toEqual([
      '$12.00',
      '$0.05',
      '$1,000,000,000.00',
    ]);
  });

  it('takes whole cents up to the limit and nothing past it, negative or fractional', () => {
    expect([0, 1, maxAmount].map((cents) => Cents.safeParse(cents).success)).toEqual([true, true, true]);
    expect([-1, 0.5, maxAmount + 1, 2 ** 53, Infinity].map((cents) => Cents.safeParse(cents).success)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('text a person wrote', () => {
  const reason = personText(20);

  it('takes ordinary text, trimmed, with new lines and tabs', () => {
    expect(reason.parse('  arrived\tbroken\n ')).toBe('arrived\tbroken');
    expect(reason.safeParse('Ünïcödé ✓ 🎉').success).toBe(true);
  });

  it.each([
    ['a NUL byte', 'broken\u0000'],
    ['another control character', 'bell\u0007'],
    ['a lone surrogate', 'half \ud83c'],
    ['nothing but spaces', '   '],
    ['too much', 'x'.repeat(21)],
  ])('refuses %s', (_name, text) => {
    expect(reason.safeParse(text).success).toBe(false);
  });
});

describe('a user id', () => {
  it('is passed along as it is, and refuses what is not text or has surrounding spaces', () => {
    expect(UserId.parse('shopper-1f2e')).toBe('shopper-1f2e');
    expect(
      ['', ' ada', 'ada ', 'a\u0000', 'a\udc00', 'x'.repeat(101)].map((id) => UserId.safeParse(id).success),
    ).toEqual([false, false, false, false, false, false]);
  });
});
