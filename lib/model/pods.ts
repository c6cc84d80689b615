import { z } from 'zod';

/** The pod behind an endpoint address, as the cluster said at capture time. */
export const podRefSchema = z.object({
  namespace: z.string(),
  pod: z.string(),
  node: z.string().nullable(),
  ready: z.boolean(),
  terminating: z.boolean(),
});

export type PodRef = z.infer<typeof podRefSchema>;
