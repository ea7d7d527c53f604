import Database from 'better-sqlite3';
const db = new Database('/tmp/fb.db');
db.pragma('journal_mode = WAL');
db.exec('drop table if exists users; create table users (id integer primary key, name text, email text); create unique index e on users (lower(email))');
const ins = db.prepare('insert into users values (?, ?, ?)');
let t = performance.now();
db.transaction(() => { for (let i = 1; i <= 1000000; i++) if (i % 20) ins.run(i, 'User ' + i, `user${i}@example.com`); })();
console.log('insert default cache', (performance.now() - t).toFixed(0));
const ids = Array.from({ length: 5000 }, () => 1 + Math.floor(Math.random() * 1000000));
const a = db.prepare('select id from users where id in (select value from json_each(?))').pluck();
const time = (name, fn) => { fn(); const t = performance.now(); for (let k = 0; k < 50; k++) fn(); console.log(name, ((performance.now() - t) / 50).toFixed(2), 'ms'); };
for (const kb of [2000, 8000, 16000, 32000, 64000]) {
  db.pragma(`cache_size = -${kb}`);
  time(`json_each cache ${kb}KB`, () => a.all(JSON.stringify(ids.map(() => 1 + Math.floor(Math.random() * 1000000)))));
}
console.log(db.prepare('select page_count * page_size / 1048576 from pragma_page_count(), pragma_page_size()').pluck().get(), 'MB');
