import org.apache.maven.artifact.versioning.ComparableVersion;
import java.io.*;
public class Oracle {
  public static void main(String[] args) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    String line;
    while ((line = r.readLine()) != null) {
      String[] p = line.split("\t", -1);
      int c = new ComparableVersion(p[0]).compareTo(new ComparableVersion(p[1]));
      out.println(p[0] + "\t" + p[1] + "\t" + (c < 0 ? "<" : c > 0 ? ">" : "="));
    }
  }
}
