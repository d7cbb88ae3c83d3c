package kit

import (
	"fmt"
	"os"
	"path/filepath"
)

// FixedAnswer is the app's reply with a fixed timestamp, which nginx and a
// bare handler serve as they are.
func FixedAnswer(host string) string {
	return `{"message":"Hello","timestamp":"2026-11-27T12:00:00.000000000Z","host":"` + host + `"}`
}

// Nginx serves FixedAnswer from one worker pinned to the server CPU, with
// its files under dir.
func Nginx(dir, addr string) (stop func(), err error) {
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`worker_processes 1;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[1]s; proxy_temp_path %[1]s; fastcgi_temp_path %[1]s; uwsgi_temp_path %[1]s; scgi_temp_path %[1]s;
  keepalive_requests 1000000;
  server {
    listen %[2]s;
    location / {
      default_type application/json;
      return 200 '%[3]s\n';
    }
  }
}
`, dir, addr, FixedAnswer("nginx"))
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	return Serve(addr, "nginx", "-p", dir, "-c", path)
}
