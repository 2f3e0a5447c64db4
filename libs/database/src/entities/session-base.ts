import { Column, CreateDateColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What staff sessions and customer sessions share: a random id, the SHA-256 of the cookie token
 * (never the token), the CSRF token echoed on changes, and the expiry. Each has its own table,
 * cookie and owner column, so a customer cookie can never open a staff route (and vice versa).
 */
export abstract class SessionBase {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'csrf_token', type: 'text' })
  csrfToken: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
