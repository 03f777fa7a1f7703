package dev.affinity.proxy.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The ProxyHCExpr forms health checks use, and a clear refusal of the rest. */
class StatusExpressionTest {

    @Test
    void aRegexOnTheStatus() {
        StatusExpression ok23 = StatusExpression.parse("{%{REQUEST_STATUS} =~ /^[23]/}");
        assertTrue(ok23.passes(200));
        assertTrue(ok23.passes(302));
        assertFalse(ok23.passes(503));
        StatusExpression not5 = StatusExpression.parse("{%{REQUEST_STATUS} !~ /^5/}");
        assertTrue(not5.passes(404));
        assertFalse(not5.passes(500));
    }

    @Test
    void aComparisonAndItsNegation() {
        assertTrue(StatusExpression.parse("{%{REQUEST_STATUS} -lt 400}").passes(399));
        assertFalse(StatusExpression.parse("{%{REQUEST_STATUS} -lt 400}").passes(400));
        assertTrue(StatusExpression.parse("{!(%{REQUEST_STATUS} -ge 500)}").passes(404));
        assertFalse(StatusExpression.parse("{! %{REQUEST_STATUS} -eq 503}").passes(503));
    }

    @Test
    void otherExpressionsAreRefusedWithTheFormsThatWork() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StatusExpression.parse("{hc('body') =~ /OK/}"));
        assertTrue(e.getMessage().contains("is not supported (expected: {%{REQUEST_STATUS} =~ /regex/}"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StatusExpression.parse("{%{REQUEST_STATUS} -lt}"));
        assertEquals("{%{REQUEST_STATUS} -lt 400}", StatusExpression.parse("{%{REQUEST_STATUS} -lt 400}").source());
    }
}
