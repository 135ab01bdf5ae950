// The country picker's data: calling codes from the API's own phonenumbers
// metadata (dialCodes.ts), country names from the browser's Intl.
import { DIAL_CODES } from "./dialCodes";

export interface Country { region: string; code: string; name: string }

let countries: Country[] | undefined;

export function countryList(locale: string): Country[] {
  if (countries) return countries;
  const names = new Intl.DisplayNames([locale], { type: "region" });
  countries = DIAL_CODES.split(",")
    .map((pair) => {
      const [region, code] = pair.split(":");
      return { region, code, name: names.of(region) ?? region };
    })
    .sort((a, b) => a.name.localeCompare(b.name, locale));
  return countries;
}

/** The visitor's likely country from their locale ("en-GB" → "GB"). */
export function guessRegion(locale: string): string {
  try {
    const region = new Intl.Locale(locale).maximize().region;
    if (region && DIAL_CODES.includes(`${region}:`)) return region;
  } catch {
    // an odd navigator.language: fall through
  }
  return "US";
}

/** A number typed nationally ("07700 900123") or internationally ("+44…") as E.164-ish; the API validates it. */
export function toInternational(code: string, typed: string): string {
  const trimmed = typed.trim();
  if (trimmed.startsWith("+")) return "+" + trimmed.replace(/\D/g, "");
  if (trimmed.startsWith("00")) return "+" + trimmed.slice(2).replace(/\D/g, "");
  let digits = trimmed.replace(/\D/g, "");
  // A national trunk prefix 0 is dropped after the country code (Italy keeps it).
  if (digits.startsWith("0") && code !== "39") digits = digits.replace(/^0+/, "");
  return digits ? `+${code}${digits}` : "";
}
