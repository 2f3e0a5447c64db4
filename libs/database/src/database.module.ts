import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source';
import { ALL_ENTITIES } from './entities';
import { AttachmentStorage } from './storage/attachment-storage';
import { PgAttachmentStorage } from './storage/pg-attachment-storage';

@Module({})
export class DatabaseModule {
  static forRoot(url: string, poolSize?: number): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [TypeOrmModule.forRoot(dataSourceOptions(url, poolSize)), TypeOrmModule.forFeature(ALL_ENTITIES)],
      providers: [{ provide: AttachmentStorage, useClass: PgAttachmentStorage }],
      exports: [TypeOrmModule, AttachmentStorage],
    };
  }
}
