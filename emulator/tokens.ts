/** What the identity platform issues: access tokens, refresh tokens and authorization codes (emulator/login.ts). */

export type Audience = 'graph' | 'management' | 'any';

export interface AccessToken {
  token: string;
  tenantId: string;
  clientId: string;
  audience: Audience;
  /** The resource/scope string the client asked for. */
  resource: string;
  scopes: string[];
  /** Set for delegated tokens (authorization code, refresh token). */
  userId: string | null;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms. */
  expiresAt: number;
}

export interface RefreshToken {
  token: string;
  tenantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  audience: Audience;
  resource: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms when used; a used refresh token is refused (rotation). */
  redeemedAt: number | null;
}

export interface AuthCode {
  code: string;
  tenantId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  resource: string;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms when redeemed (codes are single-use). */
  redeemedAt: number | null;
}
