import { UserEntity, UserRole } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import argon2 from 'argon2';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { AuthError } from './auth.error';

const createUserSchema = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ error: 'must be an email address' })),
  name: z.string().trim().min(1, 'is required').max(200).optional(),
  role: z.enum(UserRole, { error: 'must be agent, supervisor or admin' }),
  password: z.string().min(12, 'must be at least 12 characters').max(1024),
});

export type CreateUserInput = z.input<typeof createUserSchema>;

@Injectable()
export class UsersService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(input: CreateUserInput): Promise<UserEntity> {
    const parsed = createUserSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AuthError('invalid_user', `${issue?.path.join('.')} ${issue?.message}`);
    }
    const { email, role, password } = parsed.data;
    const repo = this.dataSource.getRepository(UserEntity);
    if (await repo.exists({ where: { email } })) throw new AuthError('user_exists', 'A user with that email exists');
    const passwordHash = await argon2.hash(password, { type: argon2.argon2id });
    return repo.save(
      repo.create({ email, name: parsed.data.name ?? email.split('@')[0] ?? email, role, passwordHash }),
    );
  }
}
