import { z } from 'zod';
import { Cents, maxAmount } from '@saga/contracts';
import { HttpProblem, type HttpApp, type ServiceContext } from '@saga/runtime';
import { availableFunds, type Wallet } from '../domain/wallet.entity';
import { creditWallet, findWallet } from '../domain/wallets';

const WalletParams = z.object({ userId: z.string().min(1).max(200) });

/** A wallet as the API shows it; available is what authorizations can still hold. */
export const WalletView = z.object({ userId: z.string(), balance: Cents, held: Cents, available: Cents });
export type WalletView = z.infer<typeof WalletView>;

export const CreditRequest = z.object({ amount: z.int().positive().max(maxAmount) });
export type CreditRequest = z.infer<typeof CreditRequest>;

function walletView(wallet: Wallet): WalletView {
  return { userId: wallet.userId, balance: wallet.balance, held: wallet.held, available: availableFunds(wallet) };
}

/** GET /wallets/:userId and POST /admin/wallets/:userId/credit. */
export function registerWalletRoutes(app: HttpApp, { dataSource }: Pick<ServiceContext, 'dataSource'>): void {
  app.get('/wallets/:userId', { schema: { params: WalletParams, response: { 200: WalletView } } }, async (request) => {
    const wallet = await findWallet(dataSource.manager, request.params.userId);
    if (!wallet) throw HttpProblem.notFound(`${request.params.userId} has no wallet`);
    return walletView(wallet);
  });

  app.post(
    '/admin/wallets/:userId/credit',
    { schema: { params: WalletParams, body: CreditRequest, response: { 200: WalletView } } },
    async (request) => {
      const wallet = await dataSource.transaction((manager) =>
        creditWallet(manager, request.params.userId, request.body.amount),
      );
      return walletView(wallet);
    },
  );
}
