import { In, type EntityManager } from 'typeorm';
import { Store } from '@attestor/platform';
import { TemplateEntity, type Template } from './entities.js';

/** Inquiry templates: immutable once created. */
export class TemplateStore extends Store {
  async insert(db: EntityManager, template: Template): Promise<void> {
    await db.getRepository(TemplateEntity).insert(template);
  }

  async list(db: EntityManager, accountId: string): Promise<Template[]> {
    return db.getRepository(TemplateEntity).find({ where: { accountId }, order: { id: 'DESC' } });
  }

  async byIds(db: EntityManager, accountId: string, ids: readonly string[]): Promise<Template[]> {
    if (ids.length === 0) return [];
    return db.getRepository(TemplateEntity).findBy({ accountId, id: In([...ids]) });
  }

  async ofAccount(db: EntityManager, accountId: string, id: string): Promise<Template | null> {
    return db.getRepository(TemplateEntity).findOneBy({ id, accountId });
  }

  /** The template of an inquiry (which exists: inquiries reference their template). */
  async ofInquiry(db: EntityManager, templateId: string): Promise<Template> {
    return db.getRepository(TemplateEntity).findOneByOrFail({ id: templateId });
  }
}
