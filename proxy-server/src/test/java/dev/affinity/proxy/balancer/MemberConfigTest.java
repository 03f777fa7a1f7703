package dev.affinity.proxy.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The builder API refuses what the config file's keys refuse, with the same messages. */
class MemberConfigTest {

    private static final MemberConfig MEMBER = MemberConfig.of("http://127.0.0.1:9001");

    @Test
    void aTtlOfAtLeastOneSecondIsKept() {
        assertEquals(Optional.empty(), MEMBER.ttl());
        assertEquals(Optional.of(Duration.ofSeconds(4)), MEMBER.withTtl(Duration.ofSeconds(4)).ttl());
        assertEquals(Optional.of(Duration.ofSeconds(4)), MEMBER.with("ttl", "4").ttl());
    }

    @Test
    void aTtlUnderOneSecondIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MEMBER.withTtl(Duration.ofMillis(500)));
        assertTrue(e.getMessage().contains("ttl must be at least 1 second"), e.getMessage());
    }

    @Test
    void aTimeoutOfZeroIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MEMBER.withTimeout(Duration.ZERO));
        assertTrue(e.getMessage().contains("must be more than 0"), e.getMessage());
    }
}
