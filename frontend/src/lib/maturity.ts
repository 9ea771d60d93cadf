// The five-step maturity scale (Idee → weit verbreitet) shown on every card.

export const MATURITY_STEPS = ['idea', 'in_development', 'pilot', 'in_production', 'widespread'] as const;

/** 1..5 on the scale; 0 for `unknown` and `retired`, which are not steps. */
export function maturityStep(maturity: string): number {
  return MATURITY_STEPS.indexOf(maturity as (typeof MATURITY_STEPS)[number]) + 1;
}
