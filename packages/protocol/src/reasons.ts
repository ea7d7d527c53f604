/**
 * Reason codes are a public contract: they appear in the rejections tables,
 * the report and the logs. Add codes; never rename or reuse one.
 */
export const REASONS = [
  'row_malformed',
  'field_missing',
  'field_type',
  'field_unknown',
  'id_invalid',
  'id_duplicate',
  'name_empty',
  'name_too_long',
  'email_invalid',
  'email_duplicate',
  'price_negative',
  'price_invalid',
  'quantity_invalid',
  'quantity_not_positive',
  'user_missing',
  'product_missing',
  'row_too_large',
  'run_abandoned',
] as const;

export type Reason = (typeof REASONS)[number];
