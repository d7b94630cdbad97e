// A watch as the client sees it: one JSON event per line of a chunked 200 (or, for a protobuf
// client, one length-prefixed WatchEvent frame per event), from a watch-cache
// stream that resumes on another replica when one goes away (ResumableWatch), until the client
// leaves or its time (`timeoutSeconds`, else 30 to 60 minutes) is up.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError, type IncludeObject, type KubeObject, type TableColumn } from '@kapi/api-machinery';
import { encodeWatchEvent, encodeWatchEventJson, watchContentType, type Representation, type RequestInfo } from '@kapi/apiserver';
import { serverStream } from '@kapi/grpc';
import type { commonV1, watchcacheV1 } from '@kapi/proto';
import type { Logger } from '@kapi/telemetry';
import { ResumableWatch } from './resumable-watch.js';

export interface WatchStreamRequest {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  info: RequestInfo;
  resource: commonV1.ResourceRef;
  representation: Representation;
  include: IncludeObject;
  /** The kind's Table columns, for a client that asks for Tables. */
  tableColumns: TableColumn[];
}

/** Streams a watch to the client; resolves when the stream has ended. */
export async function streamWatch(watchCache: watchcacheV1.WatchCacheClient, logger: Pick<Logger, 'info'>, w: WatchStreamRequest): Promise<void> {
  const { req, res, query: q, info } = w;
  const watchRequest: watchcacheV1.WatchRequest = {
    resource: w.resource,
    resourceVersion: q.get('resourceVersion') ?? '',
    labelSelector: q.get('labelSelector') ?? '',
    fieldSelector: q.get('fieldSelector') ?? '',
    allowBookmarks: q.get('allowWatchBookmarks') === 'true',
    sendInitialEvents: q.get('sendInitialEvents') === 'true',
    name: info.name,
  };
  const timeoutSeconds = Number(q.get('timeoutSeconds') ?? 0);
  // Without a timeout a watch lasts 30 to 60 minutes, as kube-apiserver spreads them.
  const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
  res.writeHead(200, { 'Content-Type': watchContentType(w.representation), 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  let first = true;
  await new Promise<void>((resolve) => {
    const watch = new ResumableWatch(watchRequest, {
      open: (request) => serverStream('watch-cache', 'Watch', watchCache.watch.bind(watchCache), request),
      deliver: (e) => {
        const flushed = res.write(encodeWatchEventJson(e.type, e.object, w.representation, w.tableColumns, w.include, first));
        if (e.type !== 'BOOKMARK' && e.type !== 'ERROR') first = false;
        // A client that reads slowly slows its own gRPC stream, so its backlog builds up in the
        // watch cache's bounded per-watcher buffer (which closes it when full), never here.
        return flushed;
      },
      drain: (resume) => res.once('drain', resume),
      fail: (message) => {
        const status = new StatusError('KAPI_ERR_DEPENDENCY_UNAVAILABLE', message).toStatus();
        res.write(encodeWatchEvent('ERROR', status as unknown as KubeObject, w.representation, w.tableColumns, w.include, false));
      },
      end: () => finish(),
      resuming: (resourceVersion, reason) => logger.info('resuming a watch on another watch-cache replica', { resource: info.resource, resourceVersion, reason }),
    });
    const finish = () => {
      clearTimeout(timer);
      watch.stop();
      if (!res.writableEnded) res.end();
      resolve();
    };
    const timer = setTimeout(finish, timeoutMs);
    req.on('close', finish);
    res.on('close', finish);
    watch.start();
  });
}
