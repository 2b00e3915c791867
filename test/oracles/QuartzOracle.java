// Oracle for the "quartz" cron dialect (and for the Quartz-compatible subset of "hangfire"):
// the real org.quartz.CronExpression from Debian's libquartz2-java.
//
// Batch mode: one request per stdin line, tab-separated: expression, time zone, from (epoch ms), n.
// One answer per stdout line: "OK" followed by tab-separated epoch ms times, or "ERR<TAB>message"
// when Quartz rejects the expression. Quartz stops (returns null) after its maximum year.
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.TimeZone;
import org.quartz.CronExpression;

public final class QuartzOracle {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) continue;
      String[] parts = line.split("\t", -1);
      StringBuilder sb = new StringBuilder();
      try {
        CronExpression ce = new CronExpression(parts[0]);
        ce.setTimeZone(TimeZone.getTimeZone(parts[1]));
        Date t = new Date(Long.parseLong(parts[2]));
        int n = Integer.parseInt(parts[3]);
        sb.append("OK");
        for (int i = 0; i < n; i++) {
          t = ce.getNextValidTimeAfter(t);
          if (t == null) break;
          sb.append('\t').append(t.getTime());
        }
      } catch (Exception e) {
        sb.setLength(0);
        sb.append("ERR\t").append(String.valueOf(e.getMessage()).replace('\n', ' ').replace('\t', ' '));
      }
      out.write(sb.toString());
      out.newLine();
    }
    out.flush();
  }
}
