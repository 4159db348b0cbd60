import { CreateSagaTables1732200000100 } from './1732200000100-create-saga-tables';
import { AddSagaLogSeq1732200000101 } from './1732200000101-add-saga-log-seq';
import { AllowSagaLogPruning1732200000102 } from './1732200000102-allow-saga-log-pruning';
import { AddSagaDefinitions1732200000103 } from './1732200000103-add-saga-definitions';
import { AddSagaListIndex1732200000104 } from './1732200000104-add-saga-list-index';
import { AddSagaTraceParent1732200000105 } from './1732200000105-add-saga-trace-parent';

/** The saga schema's migrations, in order. */
export const sagaMigrations = [
  CreateSagaTables1732200000100,
  AddSagaLogSeq1732200000101,
  AllowSagaLogPruning1732200000102,
  AddSagaDefinitions1732200000103,
  AddSagaListIndex1732200000104,
  AddSagaTraceParent1732200000105,
];
