import { z } from 'zod';
import { uuid } from '../schemas/common.js';

/** RFC 5321 caps an address at 254 characters. */
export const magicLinkBody = z.strictObject({ email: z.email().max(254) });
export const magicLinkAcceptedDto = z.object({ message: z.string() });
/** The link's token as e-mailed (43 characters); anything longer is not one. */
export const verifyBody = z.strictObject({ token: z.string().min(1).max(200) });
export const verifiedDto = z.object({
  /** Send it back in `X-CSRF-Token` on every write made with the session cookie (it is also in the readable CSRF cookie). */
  csrfToken: z.string(),
  /** When the session ends at the latest (it also ends after the idle timeout). */
  expiresAt: z.string(),
});
export const authOptionsDto = z.object({
  /** Development only (DEV_SIGN_IN_INBOX_URL): the seeded users and the Resend fake's inbox for one-click sign-in; null otherwise. */
  devSignIn: z
    .object({
      inboxUrl: z.string(),
      users: z.array(z.object({ email: z.string(), name: z.string(), role: z.string() })),
    })
    .nullable(),
});

export const apiKeyNameBody = z.strictObject({ name: z.string().trim().min(1).max(100) });
export const apiKeyDto = z.object({
  id: uuid,
  name: z.string(),
  /** The key's first characters, to recognise it; never the secret. */
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
/** The key itself, shown in this answer only: it is stored hashed. */
export const createdApiKeyDto = apiKeyDto.extend({ key: z.string() });
export const apiKeyListDto = z.object({ data: z.array(apiKeyDto) });
