import { CreateSagaTables1732200000100 } from './1732200000100-create-saga-tables';
import { AddSagaLogSeq1732200000101 } from './1732200000101-add-saga-log-seq';

/** The saga schema's migrations, in order. */
export const sagaMigrations = [CreateSagaTables1732200000100, AddSagaLogSeq1732200000101];
