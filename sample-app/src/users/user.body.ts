import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { USER_ROLES, type UserRole } from './user.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The body of `PUT /users/:id`, checked by the ValidationPipe: a 400 names the field and the rule. */
export class UserBody {
  // class-validator checks the decorators from the bottom up: the type first.
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  @IsNotEmpty({ message: 'name must be a non-empty string' })
  @IsString({ message: 'name must be a non-empty string' })
  @Transform(trim)
  name!: string;

  @IsEmail({}, { message: 'email must be an email address' })
  @Transform(trim)
  email!: string;

  /** Omitted: `member`. */
  @IsOptional()
  @IsIn(USER_ROLES, { message: `role must be one of: ${USER_ROLES.join(', ')}` })
  role?: UserRole;
}
