import { z } from 'zod';
import { baseEnv, httpPort, loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { orderSagaService } from './order-saga-service';

runMain(() => runService(orderSagaService, loadConfig(z.object({ ...baseEnv, PORT: httpPort(3004) }))));
