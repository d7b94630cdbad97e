// Which lists are read from etcd while the watch cache cannot answer (no replica has synchronised:
// the stack has just started, or the event stream was lost). kube-apiserver (KEP-4568) sends a
// limited list without selectors to etcd, since one page costs etcd little, and refuses every other
// list with 429 "storage is (re)initializing", so that a restart does not pour every full or
// filtered list onto etcd at once; clients retry after the Retry-After it gives.

export interface ListShape {
  limit: number;
  labelSelector: string;
  fieldSelector: string;
}

export function readsStorageWhileCacheInitializes(list: ListShape): boolean {
  return list.limit > 0 && list.labelSelector.trim() === '' && list.fieldSelector.trim() === '';
}
