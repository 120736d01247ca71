"""tap-stripe: a singer-sdk tap for the Stripe API (customers, products, prices, subscriptions, invoices, payments)."""
