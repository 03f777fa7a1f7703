package dev.affinity.proxy.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritePendingException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The response to a {@link CommonRequest}, as Jetty's own response behaves for the handler:
 * <ul>
 *   <li>committed by its first write, with status 200 unless set, and, when that write is the last,
 *       the Content-Length of what it writes unless one is set;</li>
 *   <li>a write past the committed Content-Length, or a last write short of it, fails, and so does a
 *       response completed short of it: never a response whose length lies (an answer to a HEAD, or a
 *       304, that writes nothing is exempt);</li>
 *   <li>a write while an interim response goes out waits for it.</li>
 *   <li>one write at a time, and the end of the response after it; after the last write, an empty
 *       write succeeds and any other fails.</li>
 * </ul>
 *
 * <p>Confined to the request, as Jetty's is: its writes come one after another.
 */
final class CommonResponse implements Response {

    private final CommonRequest request;
    private final ResponseSender sender;
    private final boolean head;
    private final HttpFields.Mutable headers = HttpFields.build(16);
    private int status;
    private boolean committed;
    private boolean lastWritten;
    private long written;
    private long committedLength = -1;
    private Supplier<HttpFields> trailers;
    /** The interim response being written, or null: a write waits for it, as Jetty's does. */
    private CompletableFuture<Void> interim;

    CommonResponse(CommonRequest request, ResponseSender sender) {
        this.request = request;
        this.sender = sender;
        this.head = HttpMethod.HEAD.is(request.getMethod());
    }

    @Override
    public Request getRequest() {
        return request;
    }

    @Override
    public int getStatus() {
        return status;
    }

    @Override
    public void setStatus(int code) {
        if (!committed) {
            status = code;
        }
    }

    @Override
    public HttpFields.Mutable getHeaders() {
        return headers;
    }

    @Override
    public Supplier<HttpFields> getTrailersSupplier() {
        return trailers;
    }

    @Override
    public void setTrailersSupplier(Supplier<HttpFields> trailers) {
        this.trailers = trailers;
    }

    @Override
    public boolean isCommitted() {
        return committed;
    }

    @Override
    public boolean hasLastWrite() {
        return lastWritten;
    }

    /** Asked of a response still being written: not yet. */
    @Override
    public boolean isCompletedSuccessfully() {
        return false;
    }

    @Override
    public void reset() {
        if (committed) {
            throw new IllegalStateException("response committed");
        }
        status = 0;
        trailers = null;
        headers.clear();
    }

    @Override
    public CompletableFuture<Void> writeInterim(int code, HttpFields fields) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!HttpStatus.isInterim(code)) {
            done.completeExceptionally(new IllegalArgumentException("Invalid interim status code: " + code));
            return done;
        }
        interim = done;
        sender.send(new MetaData.Response(code, null, HttpVersion.HTTP_1_1, fields), false, null, false,
                Callback.from(Invocable.InvocationType.NON_BLOCKING, () -> done.complete(null), done::completeExceptionally));
        return done;
    }

    @Override
    public void write(boolean last, ByteBuffer content, Callback callback) {
        CompletableFuture<Void> pending = interim;
        if (pending != null && !pending.isDone()) {
            // The member's 103 is still going out: its final answer follows it, as with Jetty.
            pending.whenComplete((ok, failure) -> write(last, content, callback));
            return;
        }
        if (sender.busy()) {
            callback.failed(new WritePendingException());
            return;
        }
        long length = BufferUtil.length(content);
        if (lastWritten) {
            // Code that makes sure a response is ended writes its end again: nothing to send.
            if (length > 0) {
                callback.failed(new IllegalStateException("last already written"));
            } else {
                callback.succeeded();
            }
            return;
        }
        lastWritten = last;
        written += length;
        MetaData.Response info = committed ? null : commit(last);
        String lengthError = lengthError(last);
        if (lengthError != null) {
            callback.failed(new IOException(lengthError));
            return;
        }
        sender.send(info, head, content, last, callback);
    }

    /** Commits the head: status 200 unless set, and the length of the whole when this write is the last. */
    private MetaData.Response commit(boolean last) {
        committed = true;
        if (status == 0) {
            status = HttpStatus.OK_200;
        }
        committedLength = headers.getLongField(HttpHeader.CONTENT_LENGTH);
        if (last && committedLength < 0) {
            committedLength = written;
            headers.put(HttpHeader.CONTENT_LENGTH, written);
        }
        return new MetaData.Response(status, null, HttpVersion.HTTP_1_1, headers, committedLength, trailers);
    }

    /**
     * Why what was written so far breaks the committed length, or null if it does not, as Jetty's
     * response judges each write.
     */
    private String lengthError(boolean last) {
        if (!breaks(committedLength)) {
            return null;
        }
        if (written > committedLength) {
            return "written %d > %d content-length".formatted(written, committedLength);
        }
        return last ? "written %d < %d content-length".formatted(written, committedLength) : null;
    }

    /**
     * Whether what was written so far differs from {@code length}, if there is one: nothing written is
     * no difference for a HEAD's answer or a 304, which carry none.
     */
    private boolean breaks(long length) {
        return length >= 0 && written != length && !(written == 0 && (head || status == HttpStatus.NOT_MODIFIED_304));
    }

    /**
     * Before the error page for a handler's failure, when none of the response went out: as Jetty's
     * channel, the response is uncommitted again, with status 500 and no fields, and nothing written.
     */
    void resetForError() {
        committed = false;
        lastWritten = false;
        written = 0;
        committedLength = -1;
        trailers = null;
        headers.clear();
        status = HttpStatus.INTERNAL_SERVER_ERROR_500;
    }

    /**
     * When the handler is done: why the length the response announces (committed, or else set in its
     * fields) does not match what was written, as Jetty reports it; else null.
     */
    Throwable lengthBroken() {
        long length = committed ? committedLength : headers.getLongField(HttpHeader.CONTENT_LENGTH);
        return breaks(length) ? new IOException("content-length %d != %d written".formatted(length, written)) : null;
    }

    /**
     * The handler is done, and the length holds ({@link #lengthBroken}): ends the response with its
     * last write unless it had one, and reports to {@code completion} whether the response is whole.
     */
    void complete(Callback completion) {
        if (sender.busy()) {
            // As Jetty: a handler must not end its response while a write is under way.
            completion.failed(new IllegalStateException("write pending"));
        } else if (lastWritten) {
            completion.succeeded();
        } else {
            write(true, null, completion);
        }
    }
}
