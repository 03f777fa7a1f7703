package dev.affinity.proxy.server;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import dev.affinity.proxy.rewrite.ResponseRewriter;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * One HTTP/1.1 connection to a member, serving one exchange at a time on the selector of the
 * client's connection: it writes the request {@link BackendLeg} prepared, parses the answer
 * ({@link MemberResponseParser}: its own pass for the common shape, Jetty's {@link HttpParser} for
 * the rest), and streams it to the client, reading more from the member only when the client took
 * what came before. Interim responses: 102 and 103 are passed on, 100 is
 * dropped (a request with {@code Expect} never comes this way; a body goes out with its head). A
 * response the member ends with {@code Connection: close}, or as HTTP/1.0 without keep-alive,
 * closes the connection after it; any other goes back to its pool.
 *
 * <p>Thread-safe where it must be. The exchange in progress is claimed exactly once, by whichever
 * comes first: its end ({@link #finish}), a failure while reading, a failed write, a timeout or a
 * close (each on the thread it happens on), so the client's callback completes once. Parsing runs on
 * one thread at a time: the selector's, or the thread that completed a content write the parser
 * waited for ({@link #writeState} settles which one goes on).
 */
final class BackendConnection extends AbstractConnection implements HttpParser.ResponseHandler {

    /** A content write is under way; the parser stopped for it. */
    private static final int WRITING = 0;
    /** The last content write completed; parsing may go on. */
    private static final int WRITE_DONE = 1;
    /** The parsing thread left; the thread completing the write takes over. */
    private static final int PARKED = 2;

    /**
     * The largest request buffer a connection keeps for the next request: a GET's head, or a small
     * POST, fits, and a thousand pooled connections keep at most 4 MiB.
     */
    private static final int KEPT_REQUEST_BYTES = 4096;

    private final BackendPool.Slot slot;
    private final ByteBufferPool buffers;
    private final ResponseRewriter rewriter;
    private final MemberResponseParser parser = new MemberResponseParser(this);
    private final Callback fillable = nonBlocking(this::onFillable, this::fillFailed);
    private final Callback contentWritten = nonBlocking(this::contentWritten, this::clientFailed);
    /** The request's write: one callback per connection, for the attempt it writes for. */
    private final Callback requestWritten = nonBlocking(this::reusable, this::requestNotWritten);
    /**
     * Requests sent on this connection so far, the current one included. Read only by whoever took the
     * current exchange off {@link #current}, which send() set after counting.
     */
    private int sent;
    /** Whether any answer to the current request began (an interim one included). */
    private volatile boolean answered;
    private final AtomicInteger writeState = new AtomicInteger(WRITE_DONE);
    /** What the exchange still waits for before the connection goes back to the pool (see {@link #reusable}). */
    private final AtomicInteger untilReusable = new AtomicInteger();
    /** The exchange in progress, or null while idle in the pool or once it ended. */
    private final AtomicReference<BackendLeg.Attempt> current = new AtomicReference<>();
    /** The exchange the parser's callbacks serve; only the parsing thread touches it. */
    private BackendLeg.Attempt parsing;
    private RetainableByteBuffer network;
    /**
     * Where requests are written: a buffer of this connection's own, so that a request costs none. The
     * last request's write completed before the connection can be sent on again ({@link #reusable}), so
     * no write still reads it. A heap buffer, not a pooled one: a close on another thread could give a
     * pooled one back while a request is written into it, and the pool hand it to someone else.
     */
    private final ReusedBuffer requestBuffer = new ReusedBuffer(KEPT_REQUEST_BYTES);
    /**
     * The body's last bytes (a view of {@link #network}), kept back so that they go out with the end of
     * the response, in one write instead of two.
     */
    private ByteBuffer lastContent;
    /** The buffer a pending content write reads from: held until the write completes, whatever else happens. */
    private RetainableByteBuffer writing;
    /** Found by the parser; reported once parseNext has returned and no longer reads the buffer. */
    private Throwable parseFailure;
    private boolean eof;
    /** When the exchange in progress started (System.nanoTime). */
    private volatile long startedNanos;
    /** When it went back to the pool (System.nanoTime), Long.MIN_VALUE unless there; the slot's lock guards it. */
    long idleSince = Long.MIN_VALUE;
    private HttpFields.Mutable headers;
    private int status;
    private boolean persistent;
    private boolean complete;

    BackendConnection(SelectorEndPoint endPoint, BackendPool.Slot slot, ByteBufferPool buffers, ResponseRewriter rewriter) {
        super(endPoint, Runnable::run);
        this.slot = slot;
        this.buffers = buffers;
        this.rewriter = rewriter;
    }

    /** Starts an exchange: writes the request, then waits for the answer. */
    void send(BackendLeg.Attempt next, MemberRequest request) {
        // In use, or its last request still being written: the pool handed it out again too soon.
        if (current.get() != null || untilReusable.get() != 0) {
            handedOutTwice(next);
            return;
        }
        parser.reset();
        parser.setHeadResponse(next.head());
        headers = HttpFields.build();
        status = 0;
        complete = false;
        eof = false;
        parseFailure = null;
        lastContent = null;
        answered = false;
        sent++; // one thread at a time sends on a connection: the pool hands it to one taker
        writeState.set(WRITE_DONE);
        // The member's timeout is the connection's own (BackendLeg sets it once), counted from when the
        // pool handed the connection out (taken()) or it opened.
        startedNanos = System.nanoTime();
        next.exchange().begun = true;
        if (!current.compareAndSet(null, next)) {
            handedOutTwice(next);
            return;
        }
        ByteBuffer out = requestBuffer.take(request.length());
        try {
            request.writeTo(out);
        } catch (RuntimeException x) {
            // Only if the request counted its bytes short: the proxy's bug, reported as a pooled
            // connection handed out twice is, not the member's failure. The connection closes.
            fail(next, new IllegalStateException("the request to the member outgrew its length", x));
            return;
        }
        out.flip();
        untilReusable.set(2); // no answer can come before the head is written
        // Wait for the answer before writing: registered after the write, the interest could come
        // after the selector already used the pooled connection's one. A no-op if already waiting.
        getEndPoint().tryFillInterested(fillable);
        getEndPoint().write(requestWritten, out);
    }

    /**
     * The request's write failed: the attempt it was written for fails with it. That is the current
     * one, unless something else ended it first: the connection is not handed out again before the
     * write is done ({@link #untilReusable}), so no later attempt can be current yet.
     */
    private void requestNotWritten(Throwable failure) {
        BackendLeg.Attempt attempt = current.get();
        if (attempt != null) {
            fail(attempt, failure);
        } else {
            getEndPoint().close(failure);
        }
    }

    /** The pool hands each idle connection to one taker: this is a bug, not the member's failure. */
    private static void handedOutTwice(BackendLeg.Attempt next) {
        next.onFailure().accept(new IllegalStateException("a pooled connection was handed out twice"));
    }

    /**
     * One of the two things an exchange waits for before its connection may serve another is done:
     * the request head written, and the answer read. A fast member can answer before the write call
     * has returned; pooled then, the next taker's write would meet this one still pending.
     */
    private void reusable() {
        if (untilReusable.decrementAndGet() == 0 && getEndPoint().isOpen()) {
            slot.release(this);
        }
    }

    @Override
    public void onFillable() {
        try {
            process();
        } catch (Throwable x) {
            // process() owned the connection when it threw (it never throws once the connection is back in the pool).
            releaseNetwork();
            BackendLeg.Attempt failed = parsing;
            if (failed != null && current.get() == failed) {
                fail(failed, x);
            } else {
                getEndPoint().close(x);
            }
        }
    }

    /**
     * Parses what is buffered, then reads more, until the response is done, a content write is
     * pending, or the member has sent nothing more yet. Parsing comes first: a content write that
     * completed late may have left the parser one step short of the end of the message.
     */
    private void process() throws Exception {
        while (true) {
            BackendLeg.Attempt attempt = current.get();
            if (attempt == null) {
                // Idle in the pool: the member closed the connection (or sent what nobody asked for).
                // Or the exchange ended elsewhere (a timeout, a failed write): nothing more to read.
                releaseNetwork();
                getEndPoint().close();
                return;
            }
            parsing = attempt;
            ByteBuffer buffered = network == null ? BufferUtil.EMPTY_BUFFER : network.getByteBuffer();
            int before = buffered.remaining();
            boolean stopped = parser.parseNext(buffered);
            if (parseFailure != null) {
                releaseNetwork();
                fail(attempt, parseFailure);
                return;
            }
            if (stopped) {
                if (!complete) {
                    // content() started a write: leave it to contentWritten() unless it completed meanwhile.
                    if (writeState.compareAndSet(WRITING, PARKED)) {
                        return;
                    }
                    continue;
                }
                if (status < HttpStatus.OK_200) {
                    interimDone(attempt);
                    continue;
                }
                finish(attempt);
                return;
            }
            if (buffered.hasRemaining()) {
                if (buffered.remaining() == before) {
                    // The parser took nothing and asked for nothing: it is past the message. Never spin.
                    releaseNetwork();
                    fail(attempt, new IllegalStateException("the member sent bytes after its response"));
                    return;
                }
                continue;
            }
            if (eof) {
                fail(attempt, new EOFException("the member closed the connection before the response was complete"));
                return;
            }
            if (network == null) {
                network = buffers.acquire(BackendClients.RESPONSE_BUFFER_SIZE, true);
            }
            ByteBuffer buffer = network.getByteBuffer();
            BufferUtil.clear(buffer);
            int filled = getEndPoint().fill(buffer);
            if (filled == 0) {
                releaseNetwork();
                getEndPoint().fillInterested(fillable);
                return;
            }
            if (filled < 0) {
                releaseNetwork();
                eof = true;
                // The parser ends a body delimited by the close, or reports the response incomplete.
                parser.atEOF();
            }
        }
    }

    @Override
    public void startResponse(HttpVersion version, int code, String reason) {
        answered = true;
        status = code;
        persistent = version == HttpVersion.HTTP_1_1;
        if (code >= HttpStatus.OK_200 && current.get() == parsing) {
            ResponseRules.begin(parsing.exchange(), code);
            parsing.response().setStatus(code);
        }
    }

    @Override
    public void parsedHeader(HttpField field) {
        headers.add(field);
    }

    @Override
    public boolean headerComplete() {
        if (headers.contains(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString())) {
            persistent = false;
        } else if (headers.contains(HttpHeader.CONNECTION, HttpHeaderValue.KEEP_ALIVE.asString())) {
            persistent = true;
        }
        if (!parsing.exchange().member.config().reuse()) {
            // The request said close (httpd's disablereuse), so the connection ends, whatever the answer says.
            persistent = false;
        }
        if (status < HttpStatus.OK_200) {
            if (status == HttpStatus.SWITCHING_PROTOCOLS_101) {
                throw new HttpException.RuntimeException(HttpStatus.BAD_GATEWAY_502, "101 without an upgrade request");
            }
            return false;
        }
        if (current.get() != parsing) {
            return true; // the exchange ended elsewhere; process() sees it and stops
        }
        org.eclipse.jetty.server.Response response = parsing.response();
        ResponseRules.copy(headers, response.getHeaders());
        ResponseRules.apply(headers, response.getHeaders(), rewriter, parsing.exchange());
        return false;
    }

    @Override
    public boolean content(ByteBuffer content) {
        if (current.get() != parsing) {
            return true; // the exchange ended elsewhere; process() sees it and stops
        }
        if (!content.hasRemaining()) {
            return false;
        }
        if (parser.getContentRead() == parser.getContentLength()) {
            // The last of a body with a length (-1 when chunked or ended by the close, as the parser
            // refuses a length beside a Transfer-Encoding): the message completes next, finish() sends both.
            lastContent = content;
            return false;
        }
        writing = network;
        writing.retain();
        writeState.set(WRITING);
        parsing.response().write(false, content, contentWritten);
        // Written at once: parse on. Otherwise stop; process() decides who goes on.
        return writeState.get() != WRITE_DONE;
    }

    private void contentWritten() {
        releaseWriting();
        if (writeState.compareAndSet(WRITING, WRITE_DONE)) {
            return; // the parsing thread has not left yet and goes on
        }
        writeState.set(WRITE_DONE);
        onFillable(); // it had parked: go on here
    }

    @Override
    public boolean contentComplete() {
        return false;
    }

    @Override
    public boolean messageComplete() {
        complete = true;
        return true;
    }

    /** An interim response ended: pass 102 and 103 on, then parse the real one. */
    private void interimDone(BackendLeg.Attempt attempt) {
        if (status == HttpStatus.PROCESSING_102 || status == HttpStatus.EARLY_HINTS_103) {
            attempt.response().writeInterim(status, headers.asImmutable());
        }
        parser.reset();
        parser.setHeadResponse(attempt.head());
        headers = HttpFields.build();
        status = 0;
        complete = false;
    }

    @Override
    public void earlyEOF() {
        // process() reports it after parseNext returns, once the parser is done with the buffer.
    }

    @Override
    public void badMessage(HttpException failure) {
        parseFailure = new HttpException.RuntimeException(HttpStatus.BAD_GATEWAY_502,
                "the member's response is malformed: " + failure.getReason());
    }

    /** The response is complete: finish the client's response, then reuse or close this connection. */
    private void finish(BackendLeg.Attempt done) {
        headers = null;
        boolean reuse = persistent && !eof && (network == null || !network.hasRemaining()) && getEndPoint().isOpen();
        ByteBuffer last = lastContent;
        lastContent = null;
        // Kept-back bytes are read from the buffer until their write completes, whatever this connection
        // does next: that write's callback releases it.
        Releasing kept = null;
        if (last != null) {
            kept = new Releasing(network, done.callback());
            network = null;
        } else {
            releaseNetwork();
        }
        Callback callback = kept == null ? done.callback() : kept;
        if (!current.compareAndSet(done, null)) {
            // The exchange already ended elsewhere (a timeout, a failed client write) and was reported there.
            if (kept != null) {
                kept.release();
            }
            getEndPoint().close();
            return;
        }
        try {
            if (reuse) {
                // Idle: an eye on the socket so a close by the member is noticed; the pool ends it at the ttl.
                // Pooled before the client's response ends, so the client's next request can take it.
                getEndPoint().tryFillInterested(fillable);
                reusable();
            } else {
                getEndPoint().close();
            }
        } catch (Throwable x) {
            // Not expected; the client's response ends all the same, and the kept-back bytes' buffer goes back.
            callback.failed(x);
            throw x;
        }
        // The connection may belong to another exchange now: nothing below may reach process()'s catch.
        try {
            done.response().write(true, last == null ? BufferUtil.EMPTY_BUFFER : last, callback);
        } catch (Throwable x) {
            callback.failed(x);
        }
    }

    /**
     * The exchange failed on this connection: close it and, if nothing else ended the exchange
     * first, let the handler decide (another member, or an error status).
     */
    private void fail(BackendLeg.Attempt attempt, Throwable failure) {
        boolean mine = current.compareAndSet(attempt, null);
        getEndPoint().close(failure);
        if (mine) {
            attempt.onFailure().accept(stale(failure));
        }
    }

    /**
     * The failure as the handler should see it: a reused connection that ended before any answer, or
     * a failure that must not count as that (the member timed out, answered badly, or the request was
     * the connection's first).
     */
    private Throwable stale(Throwable failure) {
        return sent > 1 && !answered && failure instanceof IOException
                ? new StaleConnectionException(failure) : failure;
    }

    /** Reading failed while waiting for input (an idle timeout, a closed end point). */
    private void fillFailed(Throwable failure) {
        BackendLeg.Attempt attempt = current.get();
        if (attempt == null) {
            getEndPoint().close(failure);
            return;
        }
        if (failure instanceof TimeoutException
                && System.nanoTime() - startedNanos < TimeUnit.MILLISECONDS.toNanos(attempt.idleTimeoutMillis())) {
            // The idle timeout of a pooled connection, decided just as it was taken (its timer saw it
            // idle before the exchange began): not the member's fault, and the request may go again,
            // as far as AttemptFailure allows, like one that met a connection the member had closed.
            failure = new EOFException("the pooled connection expired as it was taken");
        }
        fail(attempt, failure);
    }

    /** Writing to the client failed: nobody takes the rest, so this connection's response is abandoned. */
    private void clientFailed(Throwable failure) {
        releaseWriting();
        BackendLeg.Attempt failed = current.getAndSet(null);
        if (!writeState.compareAndSet(WRITING, WRITE_DONE)) {
            // The parsing thread had parked: nobody else holds the read buffer now.
            writeState.set(WRITE_DONE);
            releaseNetwork();
        }
        getEndPoint().close(failure);
        if (failed != null) {
            failed.callback().failed(failure);
        }
    }

    private void releaseNetwork() {
        if (network != null) {
            network.release();
            network = null;
        }
    }

    private void releaseWriting() {
        RetainableByteBuffer written = writing;
        writing = null;
        if (written != null) {
            written.release();
        }
    }

    /**
     * The member's timeout ran out. While waiting for the member, Jetty then fails the pending read
     * with the timeout, which {@link #fillFailed} reports: a member that timed out is a 504. While
     * parked on a slow client's write, nothing is failed and the timer starts again: the client's own
     * idle timeout ends that. Idle in the pool, nothing ends: the pool closes it at the ttl. Nor just
     * taken from it: the timer may have read the idle clock before {@link #taken} restarted it.
     */
    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        if (slot.holds(this)) {
            return false;
        }
        AbstractEndPoint endPoint = (AbstractEndPoint) getEndPoint();
        return endPoint.getIdleFor() >= endPoint.getIdleTimeout();
    }

    /** Taken from the pool, under its lock: the member's timeout counts from now, not from the last use. */
    void taken() {
        ((AbstractEndPoint) getEndPoint()).notIdle();
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        slot.closed(this);
        BackendLeg.Attempt failed = current.getAndSet(null);
        if (failed != null) {
            failed.onFailure().accept(stale(cause != null ? cause : new EOFException("the connection to the member closed")));
        }
    }

    /**
     * Releases the buffer the final write read from, once, however often and in whatever order it
     * completes, then completes the exchange's callback.
     */
    private static final class Releasing implements Callback {
        private static final VarHandle BUFFER;

        static {
            try {
                BUFFER = MethodHandles.lookup().findVarHandle(Releasing.class, "buffer", RetainableByteBuffer.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Callback callback;
        @SuppressWarnings("unused") // through BUFFER
        private volatile RetainableByteBuffer buffer;

        Releasing(RetainableByteBuffer buffer, Callback callback) {
            this.buffer = buffer;
            this.callback = callback;
        }

        void release() {
            RetainableByteBuffer held = (RetainableByteBuffer) BUFFER.getAndSet(this, null);
            if (held != null) {
                held.release();
            }
        }

        @Override
        public void succeeded() {
            release();
            callback.succeeded();
        }

        @Override
        public void failed(Throwable failure) {
            release();
            callback.failed(failure);
        }

        @Override
        public InvocationType getInvocationType() {
            return callback.getInvocationType();
        }
    }

    /** Never blocks, so the selector runs it itself instead of handing it to a pool thread. */
    private static Callback nonBlocking(Runnable success, Consumer<Throwable> failure) {
        return Callback.from(Invocable.InvocationType.NON_BLOCKING, success, failure);
    }
}
