import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The query of `GET /users`, checked by the ValidationPipe: `?limit=20&offset=40`. */
export class UserListQuery {
  /** Omitted: 20. */
  @IsOptional()
  @Max(100, { message: 'limit must be at most 100' })
  @Min(1, { message: 'limit must be at least 1' })
  @IsInt({ message: 'limit must be a whole number' })
  @Type(() => Number)
  limit?: number;

  /** Omitted: 0. */
  @IsOptional()
  @Min(0, { message: 'offset must be at least 0' })
  @IsInt({ message: 'offset must be a whole number' })
  @Type(() => Number)
  offset?: number;
}
