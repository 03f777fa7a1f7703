package dev.affinity.proxy.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpGenerator;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.AbstractMetaDataConnection;
import org.eclipse.jetty.server.Components;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Attributes;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ExceptionUtil;
import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * A client's HTTP/1.1 connection that serves requests of the common shape itself ({@link
 * CommonRequestHead}: HTTP/1.1, a small body or none, as browsers, curl, wrk and HTTP client
 * libraries send most requests), and hands itself over to Jetty's HttpConnection, for good, at the
 * first request that is not: that request, and every byte after it, are Jetty's to parse, judge and
 * serve. Between requests nothing is in flight, so the hand-over loses nothing.
 *
 * <p>What the handler sees is what Jetty's connection would give it for the same bytes ({@link
 * CommonRequest}, {@link CommonResponse}), and what the client gets is what Jetty's connection would
 * write: the same generator ({@link ResponseSender}), the same error pages (Jetty's ErrorHandler,
 * through {@link Response#writeError}), the same persistence rules (a request or response that says
 * {@code Connection: close}, or a connector shutting down, ends the connection after the response:
 * its output is shut, and it closes at once).
 * {@code CommonRequestConnectionTest} sends the same bytes through both and compares.
 *
 * <p>As with Jetty's connection, the idle timeout ends a connection between requests, and a response
 * the client stopped reading; it never ends a request the handler still holds (waiting for the
 * member is the member's timeout's to end).
 *
 * <p>Why: in Jetty's connection, its request state machine ({@code HttpChannelState}, a lock and
 * several objects per request) cost more user time per request than parsing the request. See
 * docs/performance.md, 2026-11-26 07:29 UTC.
 *
 * <p>Thread-safe where it must be: reading and handling run on one thread at a time; the response may
 * end on another (the member's connection's), which takes the connection on from there.
 */
final class CommonRequestConnection extends AbstractMetaDataConnection implements Connection.UpgradeFrom {

    private final Server server;
    private final Supplier<Connection> jetty;
    private final ByteBufferPool pool;
    private final HttpGenerator generator = new HttpGenerator();
    private final ResponseSender sender;
    private final CommonRequestHead head;
    private final Components components;
    /** Runs this connection on the selector when its socket has bytes: nothing it does blocks. */
    private final Callback fillable = Callback.from(InvocationType.NON_BLOCKING, this::onFillable,
            this::onFillInterestedFailed);
    /** Whether the thread that handled the request still has the connection (see {@link #onFillable}). */
    private final AtomicBoolean handling = new AtomicBoolean();
    private final Attributes.Lazy attributes = new Attributes.Lazy();
    private RetainableByteBuffer in;
    /** The buffer ends in the start of a head: read more before looking at it again. */
    private boolean part;
    /** The request in flight, or null between requests. */
    private volatile CommonRequest current;
    private long requests;
    /** The bytes read, as Jetty's connection counts them; written by the one thread reading at a time. */
    private volatile long bytesIn;

    /**
     * @param fieldMaker makes request fields as Jetty's parser does ({@link ClientRequestParser#fieldMaker})
     * @param chunkMaxLength the longest chunk of a chunked response, as Jetty's connection has it
     * @param jetty makes Jetty's connection, to which this one hands itself over
     */
    CommonRequestConnection(Connector connector, HttpConfiguration configuration, EndPoint endPoint,
                            FieldLines.Maker fieldMaker, int chunkMaxLength, Supplier<Connection> jetty) {
        super(connector, configuration, endPoint);
        this.server = connector.getServer();
        this.jetty = jetty;
        this.pool = connector.getByteBufferPool();
        this.generator.setChunkMaxLength(chunkMaxLength);
        this.sender = new ResponseSender(connector, endPoint, generator, configuration);
        this.head = new CommonRequestHead(fieldMaker, configuration.getRequestHeaderSize(),
                configuration.getHttpCompliance(), configuration.getUriCompliance());
        this.components = new ConnectionComponents();
    }

    @Override
    public void onOpen() {
        super.onOpen();
        fillInterested();
    }

    @Override
    public void fillInterested() {
        getEndPoint().fillInterested(fillable);
    }

    /**
     * Reads and serves requests until one is in flight, the socket has nothing more for now, or a
     * request is not of the common shape, which hands the connection to Jetty's.
     */
    @Override
    public void onFillable() {
        try {
            while (getEndPoint().isOpen()) {
                if (getEndPoint().isOutputShutdown()) {
                    // The idle timeout (or a stopping proxy) shut the output: what the client still
                    // sends is never served, as Jetty's connection has closed its parser by then.
                    releaseBuffer();
                    getEndPoint().close();
                    return;
                }
                if (part || !hasBuffered()) {
                    int filled = fill();
                    if (filled == 0) {
                        fillInterested();
                        return;
                    }
                    if (filled < 0) {
                        if (hasBuffered()) {
                            // A request cut short by the client's end: Jetty's to answer.
                            getEndPoint().upgrade(jetty.get());
                            return;
                        }
                        // The client is done: as Jetty's connection, shut the output, then close.
                        getEndPoint().shutdownOutput();
                        getEndPoint().close();
                        return;
                    }
                }
                CommonRequestHead.Found found = head.take(in.getByteBuffer(), in.capacity());
                part = found == CommonRequestHead.Found.PART;
                if (part) {
                    continue; // the rest of it is still to come
                }
                if (found == CommonRequestHead.Found.OTHER) {
                    getEndPoint().upgrade(jetty.get());
                    return;
                }
                if (!hasBuffered()) {
                    releaseBuffer(); // nothing pipelined: the buffer goes back to the pool while the request is served
                }
                handling.set(true);
                handle(start());
                if (handling.compareAndSet(true, false)) {
                    return; // the response ends elsewhere, and the connection goes on from there
                }
            }
            releaseBuffer(); // closed while this thread had the connection
        } catch (Throwable x) {
            releaseBuffer();
            getEndPoint().close(x);
        }
    }

    private boolean hasBuffered() {
        return in != null && in.hasRemaining();
    }

    /**
     * Reads more: into an empty buffer, or after the start of a request it holds. The bytes read, 0 for
     * none yet, or -1 at the end; an empty buffer goes back to the pool unless bytes came.
     */
    private int fill() throws IOException {
        if (in == null) {
            in = pool.acquire(getInputBufferSize(), getHttpConfiguration().isUseInputDirectByteBuffers());
        }
        ByteBuffer buffer = in.getByteBuffer();
        if (buffer.hasRemaining()) {
            BufferUtil.compact(buffer);
        } else {
            BufferUtil.clear(buffer);
        }
        int filled = getEndPoint().fill(buffer);
        if (filled > 0) {
            bytesIn += filled;
        }
        if (filled <= 0 && !buffer.hasRemaining()) {
            releaseBuffer();
        }
        return filled;
    }

    private CommonRequest start() {
        requests++;
        // As Jetty's: a request that says close ends the connection (and a connector shutting down
        // ends it after any response: ResponseSender).
        generator.setPersistent(getHttpConfiguration().isPersistentConnectionsEnabled() && !head.close());
        CommonRequest request = new CommonRequest(this, components, requests, head, NanoTime.now());
        current = request;
        return request;
    }

    /** As Jetty's connection invokes the server: a request no handler takes is a 404, a handler that throws fails it. */
    private void handle(CommonRequest request) {
        CommonResponse response = new CommonResponse(request, sender);
        Callback callback = new HandlerCallback(request, response);
        try {
            if (!server.handle(request, response, callback)) {
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            }
        } catch (Throwable x) {
            callback.failed(x);
        }
    }

    /** The request's response is written whole: on to the next request, or the end of the connection. */
    private void completed(CommonRequest request) {
        if (current != request) {
            return;
        }
        current = null;
        boolean persistent = generator.isPersistent();
        generator.reset();
        if (!persistent) {
            // As Jetty's connection: the output was shut after the response; the connection closes at
            // once, whatever the client still sends.
            getEndPoint().close();
            if (!handling.compareAndSet(true, false)) {
                releaseBuffer();
            }
            return;
        }
        if (handling.compareAndSet(true, false)) {
            return; // the thread that handled the request goes on with the connection
        }
        if (!hasBuffered()) {
            releaseBuffer();
            fillInterested();
            return;
        }
        try {
            // A pipelined request: served on the pool, as Jetty's connection serves one.
            getExecutor().execute(this::onFillable);
        } catch (RejectedExecutionException stopping) {
            releaseBuffer();
            getEndPoint().close(stopping);
        }
    }

    /**
     * The response cannot be completed: as Jetty's connection, end the connection, so the client sees
     * it broken. The request buffer goes back to the pool here unless the thread that handled the
     * request still has the connection: it finds it closed, and gives it back itself.
     */
    private void aborted(CommonRequest request, Throwable failure) {
        if (current == request) {
            current = null;
        }
        getEndPoint().close(failure);
        if (!handling.compareAndSet(true, false)) {
            releaseBuffer();
        }
    }

    @Override
    public ByteBuffer onUpgradeFrom() {
        if (!hasBuffered()) {
            releaseBuffer();
            return null;
        }
        ByteBuffer unconsumed = ByteBuffer.allocate(in.remaining());
        unconsumed.put(in.getByteBuffer()).flip();
        releaseBuffer();
        return unconsumed;
    }

    private void releaseBuffer() {
        if (in != null) {
            in.release();
            in = null;
        }
    }

    /**
     * As Jetty's connection: the idle timeout ends a connection between requests, and one whose
     * response the client stopped reading, but never a request the handler still holds (waiting for
     * the member is the member's timeout's to end).
     */
    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        return current == null || sender.busy();
    }

    /**
     * The wait for more bytes failed (the idle timeout, a close): once the end point is closed, the
     * start of a head the buffer held goes back to the pool with it.
     */
    @Override
    public void onFillInterestedFailed(Throwable cause) {
        super.onFillInterestedFailed(cause);
        if (!getEndPoint().isOpen()) {
            releaseBuffer();
        }
    }

    @Override
    public void onClose(Throwable cause) {
        try {
            sender.closed(cause);
        } finally {
            super.onClose(cause);
        }
    }

    // As Jetty's HttpConnection, this connection is the metadata of its requests' connection; its
    // addresses, settings and connector are AbstractMetaDataConnection's, taken once when it opens.

    @Override
    public String getId() {
        return getRemoteSocketAddress() + "@" + Integer.toHexString(hashCode());
    }

    @Override
    public HttpVersion getHttpVersion() {
        return HttpVersion.HTTP_1_1;
    }

    @Override
    public String getProtocol() {
        return HttpVersion.HTTP_1_1.asString();
    }

    @Override
    public boolean isPersistent() {
        return generator.isPersistent(HttpVersion.HTTP_1_1);
    }

    @Override
    public Object removeAttribute(String name) {
        return attributes.removeAttribute(name);
    }

    @Override
    public Object setAttribute(String name, Object attribute) {
        return attributes.setAttribute(name, attribute);
    }

    @Override
    public Object getAttribute(String name) {
        return attributes.getAttribute(name);
    }

    @Override
    public Set<String> getAttributeNameSet() {
        return attributes.getAttributeNameSet();
    }

    @Override
    public void clearAttributes() {
        attributes.clearAttributes();
    }

    @Override
    public long getBytesIn() {
        return bytesIn;
    }

    @Override
    public long getMessagesIn() {
        return requests;
    }

    @Override
    public long getMessagesOut() {
        return requests;
    }

    /** What the handler's callback does, as Jetty's: the end of the response, or, failed, an error page or an abort. */
    private final class HandlerCallback implements Callback {
        private final CommonRequest request;
        private final CommonResponse response;
        /** Whether the handler called back, succeeded or failed: the first call counts. */
        private final AtomicBoolean done = new AtomicBoolean();
        /** Where the response's end is reported: the next request, or the end of the connection. */
        private final Callback end;

        HandlerCallback(CommonRequest request, CommonResponse response) {
            this.request = request;
            this.response = response;
            this.end = new ResponseEnd(request);
        }

        @Override
        public void succeeded() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            // As Jetty: a response whose length does not match what was written ends as a failure.
            Throwable broken = response.lengthBroken();
            if (broken == null) {
                response.complete(end);
            } else {
                fail(broken);
            }
        }

        @Override
        public void failed(Throwable failure) {
            if (done.compareAndSet(false, true)) {
                fail(failure);
            }
        }

        private void fail(Throwable failure) {
            if (generator.isEnd() && !sender.busy()) {
                // As Jetty: the whole response went out; a failure after it changes nothing.
                completed(request);
                return;
            }
            if (generator.isCommitted() || sender.busy()
                    || ExceptionUtil.hasAssociated(failure, Request.Handler.AbortException.class)) {
                // The head went out, or the handler asked for it: the client must see the response
                // broken, never short.
                aborted(request, failure);
                return;
            }
            errorPage(failure);
        }

        /**
         * As Jetty: nothing went out (a write refused for its length, say), so the client gets Jetty's
         * error page, with the status the failure names (an HttpException's) or 500.
         */
        private void errorPage(Throwable failure) {
            response.resetForError();
            Response.writeError(request, response,
                    Callback.from(InvocationType.NON_BLOCKING, () -> response.complete(end), end::failed), failure);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }

    /**
     * The response was written whole, or cannot be: on to the next request, or the end of the
     * connection. One object where {@code Callback.from} with two lambdas makes three per request.
     */
    private final class ResponseEnd implements Callback {
        private final CommonRequest request;

        ResponseEnd(CommonRequest request) {
            this.request = request;
        }

        @Override
        public void succeeded() {
            completed(request);
        }

        @Override
        public void failed(Throwable failure) {
            aborted(request, failure);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }

    /** As Jetty's channel gives a request: the connector's pool and scheduler, the server's threads. */
    private final class ConnectionComponents implements Components {
        @Override
        public ByteBufferPool getByteBufferPool() {
            return pool;
        }

        @Override
        public Scheduler getScheduler() {
            return getConnector().getScheduler();
        }

        @Override
        public ThreadPool getThreadPool() {
            return server.getThreadPool();
        }

        @Override
        public Attributes getCache() {
            return attributes;
        }
    }
}
