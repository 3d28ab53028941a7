import { describe, expect, it } from 'vitest';
import { CV_TYPES, normalizeEmail, normalizePhone, normalizeSkills, sanitizeFilename, sniffCv } from '../../domain/candidates.js';
import { attachmentHeader } from '../../api/routes/candidate-profiles.js';
import { prefixQuery } from '../../db/dal/candidates.js';

/** A ZIP holding one central-directory entry named `name` (all the sniffing reads). */
function zipNaming(name: string): Buffer {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.write('PK\x03\x04', 0, 'latin1');
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.write('PK\x01\x02', 0, 'latin1');
  central.writeUInt16LE(n.length, 28);
  return Buffer.concat([local, n, central, n]);
}

describe('candidate normalisation', () => {
  it('compares e-mails trimmed and lower-cased', () => {
    expect(normalizeEmail('  Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalizeEmail('   ')).toBeNull();
    expect(normalizeEmail(null)).toBeNull();
  });

  it('compares phones as digits with the country code, 00 as +', () => {
    expect(normalizePhone('+44 (20) 7946-0958')).toBe('+442079460958');
    expect(normalizePhone('0044 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('020 7946 0958')).toBe('02079460958');
    expect(normalizePhone('12-34')).toBeNull();
  });

  it('keeps skills once each, in order, trimmed', () => {
    expect(normalizeSkills([' Go ', 'go', 'Rust', ''])).toEqual(['Go', 'Rust']);
  });

  it("keeps a file name's last segment without control or quoting characters", () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFilename('C:\\Users\\me\\"cv"\u0000.pdf')).toBe('cv.pdf');
    expect(sanitizeFilename('...')).toBe('cv');
    expect(sanitizeFilename('x'.repeat(300))).toHaveLength(200);
    expect(attachmentHeader('Lebenslauf (final).pdf')).toBe(
      `attachment; filename="Lebenslauf (final).pdf"; filename*=UTF-8''Lebenslauf%20%28final%29.pdf`,
    );
  });

  it('turns search words into a prefix query of letters and digits only', () => {
    expect(prefixQuery('Ada  LOVELACE')).toBe('ada:* & lovelace:*');
    expect(prefixQuery("a'b & c | !d")).toBe('a:* & b:* & c:* & d:*');
    expect(prefixQuery('&|!():*')).toBeUndefined();
  });
});

describe('CV sniffing', () => {
  it('knows PDF, DOCX and UTF-8 text by their bytes', () => {
    expect(sniffCv(Buffer.from('%PDF-1.4 …'))).toBe(CV_TYPES.pdf);
    expect(sniffCv(zipNaming('word/document.xml'))).toBe(CV_TYPES.docx);
    expect(sniffCv(Buffer.from('Ada Lovelace — CV\n'))).toBe(CV_TYPES.text);
  });

  it('refuses other ZIPs, NUL in text, invalid UTF-8 and empty files', () => {
    expect(sniffCv(zipNaming('xl/workbook.xml'))).toBeUndefined();
    expect(sniffCv(Buffer.from('a\0b'))).toBeUndefined();
    expect(sniffCv(Buffer.from([0xff, 0xfe, 0x41]))).toBeUndefined();
    expect(sniffCv(Buffer.alloc(0))).toBeUndefined();
  });
});
