/** The pod behind an endpoint address, as the cluster said at capture time. */
export interface PodRef {
  namespace: string;
  pod: string;
  node: string | null;
  ready: boolean;
  terminating: boolean;
}
