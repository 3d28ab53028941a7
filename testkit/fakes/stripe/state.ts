// The fake Stripe's objects, in the shapes the installed `stripe` SDK types them (its pinned API
// version): each is a Pick of the SDK type, so a renamed or retyped field fails type-checking.
import type Stripe from 'stripe';
import type { Webhooks } from './webhooks.js';

export type Account = Pick<
  Stripe.Account,
  | 'id'
  | 'object'
  | 'type'
  | 'business_type'
  | 'capabilities'
  | 'charges_enabled'
  | 'payouts_enabled'
  | 'details_submitted'
  | 'country'
  | 'default_currency'
  | 'email'
  | 'created'
  | 'metadata'
> & { controller?: Stripe.Account.Controller; requirements?: Stripe.Account.Requirements };

export type Customer = Pick<
  Stripe.Customer,
  | 'id'
  | 'object'
  | 'balance'
  | 'created'
  | 'default_source'
  | 'description'
  | 'email'
  | 'invoice_settings'
  | 'livemode'
  | 'metadata'
  | 'name'
  | 'phone'
  | 'shipping'
>;

export type Charge = Pick<
  Stripe.Charge,
  | 'id'
  | 'object'
  | 'amount'
  | 'amount_captured'
  | 'amount_refunded'
  | 'balance_transaction'
  | 'captured'
  | 'created'
  | 'currency'
  | 'customer'
  | 'description'
  | 'disputed'
  | 'failure_code'
  | 'failure_message'
  | 'livemode'
  | 'metadata'
  | 'paid'
  | 'payment_intent'
  | 'payment_method'
  | 'refunded'
  | 'status'
  | 'transfer_group'
>;

export type PaymentIntent = Pick<
  Stripe.PaymentIntent,
  | 'id'
  | 'object'
  | 'amount'
  | 'amount_received'
  | 'canceled_at'
  | 'capture_method'
  | 'client_secret'
  | 'confirmation_method'
  | 'created'
  | 'currency'
  | 'customer'
  | 'description'
  | 'last_payment_error'
  | 'latest_charge'
  | 'livemode'
  | 'metadata'
  | 'payment_method'
  | 'payment_method_types'
  | 'status'
  | 'transfer_group'
>;

export type Refund = Pick<
  Stripe.Refund,
  | 'id'
  | 'object'
  | 'amount'
  | 'balance_transaction'
  | 'charge'
  | 'created'
  | 'currency'
  | 'metadata'
  | 'payment_intent'
  | 'reason'
  | 'status'
>;

export type InvoiceItem = Pick<
  Stripe.InvoiceItem,
  'id' | 'object' | 'amount' | 'currency' | 'customer' | 'date' | 'description' | 'invoice' | 'livemode' | 'metadata'
>;

export type InvoicePayment = Pick<
  Stripe.InvoicePayment,
  | 'id'
  | 'object'
  | 'amount_paid'
  | 'amount_requested'
  | 'created'
  | 'currency'
  | 'invoice'
  | 'is_default'
  | 'livemode'
  | 'payment'
  | 'status'
  | 'status_transitions'
>;

export type Invoice = Pick<
  Stripe.Invoice,
  | 'id'
  | 'object'
  | 'amount_due'
  | 'amount_paid'
  | 'amount_paid_off_stripe'
  | 'amount_remaining'
  | 'attempt_count'
  | 'attempted'
  | 'auto_advance'
  | 'collection_method'
  | 'created'
  | 'currency'
  | 'customer'
  | 'customer_email'
  | 'customer_name'
  | 'description'
  | 'due_date'
  | 'hosted_invoice_url'
  | 'livemode'
  | 'metadata'
  | 'number'
  | 'payments'
  | 'post_payment_credit_notes_amount'
  | 'pre_payment_credit_notes_amount'
  | 'status'
  | 'status_transitions'
  | 'subtotal'
  | 'total'
> & { lines: { object: 'list'; data: InvoiceLine[]; has_more: false; url: string }; days_until_due: number | null };

/** A line of an invoice, made from an invoice item (`parent.invoice_item_details`). */
export type InvoiceLine = Pick<
  Stripe.InvoiceLineItem,
  'id' | 'object' | 'amount' | 'currency' | 'description' | 'invoice' | 'livemode' | 'metadata'
> & {
  parent: {
    type: 'invoice_item_details';
    invoice_item_details: { invoice_item: string; proration: false; proration_details: null; subscription: null };
  };
};

export type CreditNote = Pick<
  Stripe.CreditNote,
  | 'id'
  | 'object'
  | 'amount'
  | 'created'
  | 'currency'
  | 'customer'
  | 'invoice'
  | 'livemode'
  | 'memo'
  | 'metadata'
  | 'number'
  | 'out_of_band_amount'
  | 'post_payment_amount'
  | 'pre_payment_amount'
  | 'reason'
  | 'refunds'
  | 'status'
  | 'subtotal'
  | 'total'
  | 'type'
  | 'voided_at'
>;

export type Dispute = Pick<
  Stripe.Dispute,
  | 'id'
  | 'object'
  | 'amount'
  | 'charge'
  | 'created'
  | 'currency'
  | 'is_charge_refundable'
  | 'livemode'
  | 'metadata'
  | 'payment_intent'
  | 'reason'
  | 'status'
>;

export interface State {
  /** The server's base URL, for links the fake hands out (account links, hosted invoices). */
  url: string;
  accounts: Map<string, Account>;
  transfers: Map<string, Stripe.Transfer>;
  customers: Map<string, Customer>;
  charges: Map<string, Charge>;
  paymentIntents: Map<string, PaymentIntent>;
  refunds: Map<string, Refund>;
  invoices: Map<string, Invoice>;
  invoiceItems: Map<string, InvoiceItem>;
  invoicePayments: Map<string, InvoicePayment>;
  creditNotes: Map<string, CreditNote>;
  disputes: Map<string, Dispute>;
  webhooks: Webhooks;
  /** The fake's option: every finalized invoice is paid at once, as if the company paid on arrival (kept by reset). */
  autoPayInvoices: boolean;
}

export function clearState(s: State): void {
  for (const value of Object.values(s)) if (value instanceof Map) value.clear();
  s.webhooks.clear();
}
