import { z } from 'zod';
import { baseEnv, httpPort, loadConfig } from '@saga/config';
import { runMain, runService } from '@saga/runtime';
import { orderApiService } from './order-api-service';

runMain(() => runService(orderApiService, loadConfig(z.object({ ...baseEnv, PORT: httpPort(3000) }))));
