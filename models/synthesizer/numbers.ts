/**
 * Numbers spelled out in en/es/fr/de, so the character model reads words it was trained on
 * rather than digits it has rarely heard. Integers below one billion are read as numbers,
 * longer digit strings digit by digit; "3.5" / "3,5" become "three point five" /
 * "tres coma cinco" following each language's decimal mark; "1,000" (en) and "1.000"
 * (es/fr/de) are thousands. Anything else in another language falls back to English words.
 */

const EN_ONES = 'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen'.split(' ');
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function en(n: number): string {
  if (n < 20) return EN_ONES[n]!;
  if (n < 100) return EN_TENS[Math.floor(n / 10)]! + (n % 10 ? ' ' + EN_ONES[n % 10] : '');
  if (n < 1000) return EN_ONES[Math.floor(n / 100)] + ' hundred' + (n % 100 ? ' ' + en(n % 100) : '');
  if (n < 1e6) return en(Math.floor(n / 1000)) + ' thousand' + (n % 1000 ? ' ' + en(n % 1000) : '');
  return en(Math.floor(n / 1e6)) + ' million' + (n % 1e6 ? ' ' + en(n % 1e6) : '');
}

const ES_ONES = ('cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis diecisiete dieciocho diecinueve ' +
  'veinte veintiuno veintidós veintitrés veinticuatro veinticinco veintiséis veintisiete veintiocho veintinueve').split(' ');
const ES_TENS = ['', '', '', 'treinta', 'cuarenta', 'cincuenta', 'sesenta', 'setenta', 'ochenta', 'noventa'];
const ES_HUNDREDS = ['', 'ciento', 'doscientos', 'trescientos', 'cuatrocientos', 'quinientos', 'seiscientos', 'setecientos', 'ochocientos', 'novecientos'];

function es(n: number): string {
  if (n < 30) return ES_ONES[n]!;
  if (n < 100) return ES_TENS[Math.floor(n / 10)]! + (n % 10 ? ' y ' + ES_ONES[n % 10] : '');
  if (n === 100) return 'cien';
  if (n < 1000) return ES_HUNDREDS[Math.floor(n / 100)] + (n % 100 ? ' ' + es(n % 100) : '');
  // "uno" shortens before a noun: veintiún mil, un millón.
  const apocope = (s: string) => s.replace(/uno$/, 'ún').replace(/^ún$/, 'un').replace(/veintiún$/, 'veintiún');
  if (n < 1e6) {
    const k = Math.floor(n / 1000);
    return (k === 1 ? 'mil' : apocope(es(k)) + ' mil') + (n % 1000 ? ' ' + es(n % 1000) : '');
  }
  const m = Math.floor(n / 1e6);
  return (m === 1 ? 'un millón' : apocope(es(m)) + ' millones') + (n % 1e6 ? ' ' + es(n % 1e6) : '');
}

const FR_ONES = 'zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize'.split(' ');
const FR_TENS = ['', '', 'vingt', 'trente', 'quarante', 'cinquante', 'soixante'];

function fr(n: number): string {
  if (n < 17) return FR_ONES[n]!;
  if (n < 20) return 'dix-' + FR_ONES[n - 10];
  if (n < 100) {
    const t = Math.floor(n / 10);
    const u = n % 10;
    if (t === 7 || t === 9) {
      const base = t === 7 ? 'soixante' : 'quatre-vingt';
      const rest = n - (t === 7 ? 60 : 80);
      return rest === 11 && t === 7 ? 'soixante et onze' : base + '-' + fr(rest);
    }
    if (t === 8) return u === 0 ? 'quatre-vingts' : 'quatre-vingt-' + FR_ONES[u];
    return FR_TENS[t]! + (u === 0 ? '' : u === 1 ? ' et un' : '-' + FR_ONES[u]);
  }
  if (n < 1000) {
    const h = Math.floor(n / 100);
    const r = n % 100;
    const head = h === 1 ? 'cent' : FR_ONES[h] + (r ? ' cent' : ' cents');
    return head + (r ? ' ' + fr(r) : '');
  }
  if (n < 1e6) {
    const k = Math.floor(n / 1000);
    return (k === 1 ? 'mille' : fr(k).replace(/cents$/, 'cent') + ' mille') + (n % 1000 ? ' ' + fr(n % 1000) : '');
  }
  const m = Math.floor(n / 1e6);
  return fr(m) + (m === 1 ? ' million' : ' millions') + (n % 1e6 ? ' ' + fr(n % 1e6) : '');
}

const DE_ONES = 'null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn'.split(' ');
const DE_TENS = ['', '', 'zwanzig', 'dreißig', 'vierzig', 'fünfzig', 'sechzig', 'siebzig', 'achtzig', 'neunzig'];

function de(n: number): string {
  if (n < 20) return DE_ONES[n]!;
  if (n < 100) {
    const u = n % 10;
    return (u ? (u === 1 ? 'ein' : DE_ONES[u]) + 'und' : '') + DE_TENS[Math.floor(n / 10)];
  }
  // "eins" becomes "ein" before hundert/tausend.
  const pre = (k: number) => (k === 1 ? 'ein' : de(k).replace(/eins$/, 'ein'));
  if (n < 1000) return pre(Math.floor(n / 100)) + 'hundert' + (n % 100 ? de(n % 100) : '');
  if (n < 1e6) return pre(Math.floor(n / 1000)) + 'tausend' + (n % 1000 ? de(n % 1000) : '');
  const m = Math.floor(n / 1e6);
  return (m === 1 ? 'eine million' : pre(m) + ' millionen') + (n % 1e6 ? ' ' + de(n % 1e6) : '');
}

const SPELLERS: Record<string, (n: number) => string> = { en, es, fr, de };
const DECIMAL_WORD: Record<string, string> = { en: 'point', es: 'coma', fr: 'virgule', de: 'komma' };
/** The thousands separator of each language; the other of '.' ',' is its decimal mark. */
const THOUSANDS: Record<string, string> = { en: ',', es: '.', fr: '.', de: '.' };

function integerWords(digits: string, lang: string): string {
  const speak = SPELLERS[lang] ?? en;
  if (digits.length > 9) return [...digits].map((d) => speak(Number(d))).join(' ');
  return speak(Number(digits));
}

/** A run of digits with optional '.'/',' separators, as words of `lang`. */
export function spellNumber(token: string, lang: string): string {
  const sep = THOUSANDS[lang] ?? ',';
  const speak = SPELLERS[lang] ?? en;
  const grouped = new RegExp(`^\\d{1,3}(\\${sep}\\d{3})+$`);
  if (grouped.test(token)) return integerWords(token.split(sep).join(''), lang);
  const parts = token.split(/[.,]/);
  if (parts.length === 2 && parts[0] && parts[1]) {
    const frac = [...parts[1]].map((d) => speak(Number(d))).join(' ');
    return `${integerWords(parts[0], lang)} ${DECIMAL_WORD[lang] ?? 'point'} ${frac}`;
  }
  return parts.filter(Boolean).map((p) => integerWords(p, lang)).join(' ');
}
