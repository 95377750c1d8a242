import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** Ids are positive whole numbers without leading zeros, so one user has one key (`user:7`, never `user:07`). */
@Injectable()
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[1-9]\d{0,15}$/.test(value)) {
      throw new BadRequestException('id must be a positive whole number');
    }
    return value;
  }
}
