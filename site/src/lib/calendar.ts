// Month-grid arithmetic on plain YYYY-MM-DD days (no time zone involved).
export interface MonthCell { day: string; inMonth: boolean }

export const pad = (value: number): string => String(value).padStart(2, "0");
export const dayKey = (year: number, month: number, date: number): string =>
  `${year}-${pad(month + 1)}-${pad(date)}`;

/** Today's date in a time zone, as YYYY-MM-DD. */
export function todayIn(zone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export function lastDayOfMonth(year: number, month: number): string {
  return new Date(Date.UTC(year, month + 1, 0)).toISOString().slice(0, 10);
}

/** Weeks of a month, Monday first, padded with the neighbouring months' days. */
export function monthGrid(year: number, month: number): MonthCell[][] {
  const first = new Date(Date.UTC(year, month, 1));
  const offset = (first.getUTCDay() + 6) % 7;
  const start = addDays(first.toISOString().slice(0, 10), -offset);
  const weeks: MonthCell[][] = [];
  for (let week = 0; week < 6; week++) {
    const cells: MonthCell[] = [];
    for (let weekday = 0; weekday < 7; weekday++) {
      const day = addDays(start, week * 7 + weekday);
      cells.push({ day, inMonth: Number(day.slice(5, 7)) === month + 1 });
    }
    if (week > 3 && !cells.some((cell) => cell.inMonth)) break;
    weeks.push(cells);
  }
  return weeks;
}

/** Weekday names in the visitor's locale, Monday first. */
export function weekdayNames(locale: string, style: "short" | "narrow" | "long"): string[] {
  const format = new Intl.DateTimeFormat(locale, { weekday: style, timeZone: "UTC" });
  return Array.from({ length: 7 }, (_, index) => format.format(new Date(Date.UTC(2024, 0, 1 + index))));
}
