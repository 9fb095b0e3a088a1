"""Write vn_patients_2020.csv: Viet Nam's public COVID-19 patient list of 2020 (BN1…BN271) as a ChiHuy line list.

Source: the Ministry of Health's announcements (ncov.moh.gov.vn) as collected in the open-data repository
trongthanh/vncovid19 (CC BY 4.0), file data/patients.json at commit 04ade90f67b8197b229ec6021de90fc094e4b48a
("modified": 2020-05-03, "total": 271: the newest version the reference index returned; the other one it
listed, ad7e96fee1ff778c4154160118f92699765153f7, stops at 2020-04-13 with 262). The facts below were
transcribed from it by hand; nothing is downloaded, and none of that repository's files or code is copied.

Transcribed per patient: number, date confirmed ("positiveDate"), sex, age (-1 = unknown), residence
("from"), province of treatment ("treatLoc"), the source list (country codes, "IMPORT", the Bạch Mai
hospital outbreak "BVBM", "VN" = unknown domestic source, or the BN numbers of the infectors) and the status
on 2020-05-03 (p = in treatment, n = tested negative / discharged; nobody died in this list).

How the CSV is derived (written in the CSV's own header comment too):
- Tỉnh: the residence province. Residences named by a city or spelled otherwise are mapped to their
  province (RESIDENCE below: Nha Trang → Khánh Hòa, Huế → Thừa Thiên Huế, Đà Lạt and Bảo Lộc → Lâm Đồng,
  Vũng Tàu → Bà Rịa - Vũng Tàu, "Kom Tum" → Kon Tum, "Ho Chi Minh" → Hồ Chí Minh, "Đăk Lăk" → Đắk Lắk);
  a residence abroad or left empty (foreign visitors, Vietnamese living abroad) is replaced by the province
  that treated the patient. Every value is one of the 63 real provinces of Viet Nam (2020), short names.
- Tuổi: the age; -1 is left empty; the 3-month-old BN15 (0.25 in the data) is written "3 tháng".
- Giới tính: Nam / Nữ; BN179 has none in the data and stays empty.
- Ngày phát hiện: the date confirmed, dd/mm/yyyy.
- Hình thức phát hiện: "Nhập cảnh" when a source is a foreign country, "EU" or "IMPORT"; otherwise empty
  (the data does not say how the case was found; the importer then defaults to community and counts it).
- Nguồn lây: the BN numbers of the source list, exactly those, in the data's order, written in the forms
  real lists use, chosen by the infectee's number n plus the infector's position k in the list:
  (n + k) % 3 == 0 → "BN17", 1 → "NB 17", 2 → "17"; several are joined by ", ", "; " or " và " (n % 3).
- Ổ dịch: "Ổ dịch Bệnh viện Bạch Mai" for the patients whose source list names BVBM; otherwise empty.
- Tình trạng: "Đang điều trị" (p) or "Khỏi" (n).

Run: python tests/cases/data/make_vn_patients_2020.py  (rewrites the CSV next to this file).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

COMMIT = "04ade90f67b8197b229ec6021de90fc094e4b48a"
HEADERS = [
    "Mã bệnh nhân",
    "Tuổi",
    "Giới tính",
    "Tỉnh",
    "Ngày phát hiện",
    "Hình thức phát hiện",
    "Nguồn lây",
    "Ổ dịch",
    "Tình trạng",
]
BACH_MAI = "Ổ dịch Bệnh viện Bạch Mai"
ABROAD = {
    "CN",
    "GB",
    "KR",
    "US",
    "FR",
    "EU",
    "MY",
    "SG",
    "IMPORT",
    "HU",
    "CZ",
    "JP",
    "ES",
    "TH",
    "KH",
    "DK",
    "AU",
    "DE",
    "RU",
    "CH",
    "CA",
    "GR",
}
FOREIGN_RESIDENCE = {
    "",
    "Trung Quốc",
    "Mỹ",
    "Anh",
    "Cộng hoà Czech",
    "Latvia",
    "Đức",
    "Pháp",
    "Đan Mạch",
    "Nga",
    "Thụy Điển",
}
RESIDENCE = {
    "Nha Trang": "Khánh Hòa",
    "Ho Chi Minh": "Hồ Chí Minh",
    "Huế": "Thừa Thiên Huế",
    "Kom Tum": "Kon Tum",
    "Đà Lạt": "Lâm Đồng",
    "Bảo Lộc": "Lâm Đồng",
    "Vũng Tàu": "Bà Rịa - Vũng Tàu",
    "Bà Rịa-Vũng Tàu": "Bà Rịa - Vũng Tàu",
    "Đăk Lăk": "Đắk Lắk",
}

# number | confirmed (2020-mm-dd) | sex | age | residence ("from") | treated in | sources | status
PATIENTS = """
1|01-23|M|66|Trung Quốc|Hồ Chí Minh|CN|n
2|01-23|M|28|Hồ Chí Minh|Hồ Chí Minh|1|n
3|01-30|F|25|Vĩnh Phúc|Thanh Hóa|CN|n
4|01-30|M|29|Vĩnh Phúc|Vĩnh Phúc|CN|n
5|02-01|F|23|Vĩnh Phúc|Vĩnh Phúc|CN|n
6|02-01|F|25|Nha Trang|Khánh Hòa|1|n
7|02-02|M|73|Mỹ|Hồ Chí Minh|CN|n
8|02-03|F|29|Vĩnh Phúc|Vĩnh Phúc|CN|n
9|02-04|M|30|Vĩnh Phúc|Vĩnh Phúc|CN|n
10|02-04|F|42|Vĩnh Phúc|Vĩnh Phúc|5|n
11|02-06|F|49|Vĩnh Phúc|Vĩnh Phúc|5|n
12|02-06|F|16|Vĩnh Phúc|Vĩnh Phúc|5|n
13|02-07|M|29|Vĩnh Phúc|Vĩnh Phúc|CN|n
14|02-09|F|55|Vĩnh Phúc|Vĩnh Phúc|5|n
15|02-11|M|0.25|Vĩnh Phúc|Vĩnh Phúc|10|n
16|02-13|M|50|Vĩnh Phúc|Vĩnh Phúc|5|n
17|03-06|F|26|Hà Nội|Hà Nội|GB|n
18|03-07|M|27|Thái Bình|Ninh Bình|KR|n
19|03-07|F|64|Hà Nội|Hà Nội|17|p
20|03-08|M|27|Hà Nội|Hà Nội|17|n
21|03-08|M|61|Hà Nội|Hà Nội|GB|n
22|03-08|M|60||Quảng Ninh|GB|n
23|03-08|M|66||Quảng Ninh|GB|n
24|03-08|M|58||Quảng Ninh|GB|n
25|03-08|M|70||Quảng Ninh|GB|n
26|03-08|M|50||Lào Cai|GB|n
27|03-08|M|67||Lào Cai|GB|n
28|03-08|M|74||Đà Nẵng|GB|n
29|03-08|M|58||Đà Nẵng|GB|n
30|03-08|F|66||Thừa Thiên Huế|GB|n
31|03-09|M|49||Quảng Nam|GB|n
32|03-10|F|24|Anh|Hồ Chí Minh|17|n
33|03-10|M|58||Quảng Nam|GB|n
34|03-10|F|51|Bình Thuận|Bình Thuận|US|n
35|03-11|F|29|Đà Nẵng|Đà Nẵng|22,23|n
36|03-11|F|64|Bình Thuận|Bình Thuận|34|n
37|03-11|F|37|Bình Thuận|Bình Thuận|34|n
38|03-11|F|28|Bình Thuận|Bình Thuận|34|n
39|03-12|M|25|Hà Nội|Hà Nội|24|n
40|03-13|F|2|Bình Thuận|Bình Thuận|34|n
41|03-13|M|59|Bình Thuận|Bình Thuận|34|n
42|03-13|M|28|Bình Thuận|Bình Thuận|34|n
43|03-13|F|47|Bình Thuận|Bình Thuận|38|n
44|03-13|M|13|Bình Thuận|Bình Thuận|37|n
45|03-14|M|-1|Ho Chi Minh|Hồ Chí Minh|34|n
46|03-14|F|30|Hà Nội|Hà Nội|GB|n
47|03-14|F|43|Hà Nội|Hà Nội|17|n
48|03-14|M|31|Ho Chi Minh|Hồ Chí Minh|45,34|n
49|03-14|M|71|Huế|Thừa Thiên Huế|GB|n
50|03-14|M|50|Hà Nội|Hà Nội|FR|n
51|03-14|F|22|Hà Nội|Hà Nội|EU|n
52|03-14|F|24|Quảng Ninh|Quảng Ninh|GB|n
53|03-14|M|53|Cộng hoà Czech|Hồ Chí Minh|EU|n
54|03-15|M|33|Latvia|Hồ Chí Minh|EU|n
55|03-15|M|35|Đức|Hà Nội|EU|n
56|03-15|M|30|Anh|Hà Nội|GB|n
57|03-16|M|66|Anh|Quảng Nam|GB|n
58|03-16|F|26|Hà Nội|Hà Nội|FR|n
59|03-16|F|30|Hà Nội|Hà Nội|GB|n
60|03-16|M|29|Pháp|Hà Nội|FR|n
61|03-16|M|42|Ninh Thuận|Ninh Thuận|MY|n
62|03-17|M|18|Hà Nội|Quảng Ninh|GB|n
63|03-17|F|20|Hà Nội|Hà Nội|GB|n
64|03-17|F|36|Ho Chi Minh|Hồ Chí Minh|EU|n
65|03-17|F|28|Ho Chi Minh|Hồ Chí Minh|45,48|n
66|03-17|F|21|Ho Chi Minh|Hồ Chí Minh|US|n
67|03-18|M|36|Ninh Thuận|Ninh Thuận|MY|n
68|03-18|M|41|Đà Nẵng|Đà Nẵng|IMPORT,SG|n
69|03-18|M|30|Đức|Hà Nội|EU|n
70|03-18|M|19|Hà Nội|Hà Nội|GB|n
71|03-18|F|19||Hà Nội|GB|n
72|03-18|F|25|Pháp|Hà Nội|FR|n
73|03-18|M|11|Hải Dương|Hải Dương|GB|n
74|03-18|M|23|Phú Thọ|Hà Nội|EU|n
75|03-18|F|40|Ho Chi Minh|Hồ Chí Minh|GB|n
76|03-18|M|52|Pháp|Hà Nội|FR|n
77|03-19|F|25|Hà Nội|Bắc Ninh|GB|n
78|03-19|M|22|Hà Nội|Hà Nội|GB|n
79|03-19|F|48|Bạc Liêu|Hồ Chí Minh|GB|n
80|03-19|M|18|Bạc Liêu|Hồ Chí Minh|GB,79|n
81|03-19|M|20|Kom Tum|Hồ Chí Minh|FR|n
82|03-19|F|16|Hồ Chí Minh|Hồ Chí Minh|GB|n
83|03-19|F|50|Hồ Chí Minh|Hồ Chí Minh|EU|n
84|03-19|M|21|Hà Nội|Hà Nội|GB|n
85|03-19|M|20|Hà Nội|Hà Nội|GB|n
86|03-20|F|54|Hà Nội|Hà Nội|BVBM|n
87|03-20|F|34|Hà Nội|Hà Nội|86|n
88|03-20|F|25|Hà Nội|Hà Nội|GB|n
89|03-20|F|22|Hồ Chí Minh|Hồ Chí Minh|JP|n
90|03-20|F|21|Hồ Chí Minh|Hồ Chí Minh|ES|n
91|03-20|M|43|Hồ Chí Minh|Hồ Chí Minh|GB|p
92|03-21|M|21|Đà Lạt|Hồ Chí Minh|FR|n
93|03-21|M|20|Hà Nội|Hà Nội|EU,HU|n
94|03-21|F|64|Bắc Giang|Bắc Giang|CZ|n
95|03-22|M|20|Hồ Chí Minh|Hồ Chí Minh|FR|n
96|03-22|F|21|Hồ Chí Minh|Hồ Chí Minh|FR|n
97|03-22|M|34|Hồ Chí Minh|Hồ Chí Minh|MY|n
98|03-22|M|34|Hồ Chí Minh|Hồ Chí Minh|MY,97|n
99|03-22|M|29|Hồ Chí Minh|Hồ Chí Minh|FR|n
100|03-22|M|55|Hồ Chí Minh|Hồ Chí Minh|MY|n
101|03-22|F|26|Vũng Tàu|Đồng Tháp|GB|n
102|03-22|F|9|Vũng Tàu|Đồng Tháp|GB|n
103|03-22|M|22|Hồ Chí Minh|Đồng Tháp|GB|n
104|03-22|F|33|Hồ Chí Minh|Đồng Tháp|GB|n
105|03-22|F|35|An Giang|Trà Vinh|MY|n
106|03-22|F|20|An Giang|Trà Vinh|MY|n
107|03-22|F|25|Hà Nội|Hà Nội|86|n
108|03-22|M|19|Hà Nội|Hà Nội|GB|n
109|03-22|M|42|Hà Nội|Hà Nội|GB|n
110|03-22|M|19|Hà Nội|Hà Nội|US|n
111|03-22|F|25|Nam Định|Hà Nội|FR|n
112|03-22|F|30|Hà Nội|Hà Nội|FR|n
113|03-22|F|18|Hà Nội|Hà Nội|GB|n
114|03-23|M|19|Hà Nội|Hà Nội|EU|n
115|03-23|F|44|Hà Nội|Hà Nội|CZ,94|n
116|03-23|M|29|Hà Nội|Hà Nội|28|n
117|03-23|M|30|Long An|Tây Ninh|KH|n
118|03-23|F|23|An Giang|Tây Ninh|KH|n
119|03-23|M|29|Hồ Chí Minh|Hồ Chí Minh|TH|n
120|03-23|M|27|Hồ Chí Minh|Hồ Chí Minh|91|n
121|03-23|M|58|Hồ Chí Minh|Hồ Chí Minh|US|n
122|03-23|F|24|Hà Tĩnh|Đà Nẵng|TH|n
123|03-23|F|17|Bến Tre|Bến Tre|MY|n
124|03-24|M|52|Hồ Chí Minh|Hồ Chí Minh|91|n
125|03-24|F|22|Hồ Chí Minh|Hồ Chí Minh|91|n
126|03-24|M|28|Hồ Chí Minh|Hồ Chí Minh|125|n
127|03-24|M|23|Hồ Chí Minh|Hồ Chí Minh|91|n
128|03-24|M|20|Hải Phòng|Hà Nội|GB|n
129|03-24|M|20|Hà Nội|Hà Nội|GB|n
130|03-24|M|30|Hồ Chí Minh|Bắc Giang|ES|n
131|03-24|M|23|Hồ Chí Minh|Bắc Giang|ES|n
132|03-24|F|25|Hà Nội|Bắc Giang|ES|n
133|03-24|F|66|Lai Châu|Lai Châu|BVBM|n
134|03-24|M|10|Hà Nội|Thanh Hóa|ES|p
135|03-25|F|27|Hải Phòng|Đà Nẵng|DK|n
136|03-25|F|23|Hà Nội|Hà Nội|US|n
137|03-25|M|36|Nghệ An|Hà Nội|DE|n
138|03-25|M|23|Hà Nội|Hà Nội|GB|n
139|03-25|F|24|Hà Nội|Hà Nội|GB|n
140|03-25|M|21|Hà Nội|Hà Nội|GB|n
141|03-25|M|29|Hà Nội|Hà Nội|28|p
142|03-26|M|26|Hồ Chí Minh|Hồ Chí Minh|US|n
143|03-26|F|58|Hồ Chí Minh|Hồ Chí Minh|US|n
144|03-26|M|22|Hồ Chí Minh|Hồ Chí Minh|GB|n
145|03-26|M|34|Hồ Chí Minh|Cần Thơ|GB|n
146|03-26|F|17|Nghệ An|Hà Tĩnh|122|n
147|03-26|M|19|Hà Nội|Hà Nội|GB|p
148|03-26|M|58|Hà Nội|Hà Nội|FR|n
149|03-27|M|40|Hà Nội|Quảng Ninh|DE|n
150|03-27|M|55|Hồ Chí Minh|Hồ Chí Minh|US|n
151|03-27|F|45|Hồ Chí Minh|Hồ Chí Minh|124|n
152|03-27|F|27|Hồ Chí Minh|Hồ Chí Minh|127|n
153|03-27|F|60|Đà Nẵng|Hồ Chí Minh|AU|n
154|03-27|F|23|Đà Nẵng|Cần Thơ|AU|n
155|03-27|F|21|Hưng Yên|Bạc Liêu|GB,145|n
156|03-27|M|21|Trà Vinh|Bạc Liêu|GB,145|n
157|03-27|F|31|Hồ Chí Minh|Hồ Chí Minh|91|n
158|03-27|M|45|Hồ Chí Minh|Hồ Chí Minh|91|n
159|03-27|M|33|Hồ Chí Minh|Hồ Chí Minh|91|n
160|03-27|F|30|Bảo Lộc|Hồ Chí Minh|ES|n
161|03-27|F|88|Hưng Yên|Hà Nội|BVBM,133|p
162|03-27|F|63|Hà Nội|Hà Nội|161|p
163|03-27|F|43|Hà Nội|Hà Nội|161|p
164|03-28|M|23|Kiên Giang|Ninh Bình|GB|n
165|03-28|M|58|Hà Nội|Ninh Bình|GB|n
166|03-28|F|25|Bắc Giang|Ninh Bình|TH|p
167|03-28|F|20|Đan Mạch|Hà Nội|DK|n
168|03-28|F|-1|Hà Nội|Hà Nam|BVBM|n
169|03-28|F|-1|Hà Nội|Hà Nội|BVBM|n
170|03-28|M|27|Ninh Bình|Ninh Bình|BVBM|p
171|03-28|F|19|Hồ Chí Minh|Hồ Chí Minh|US|n
172|03-28|F|-1|Lai Châu|Hà Nội|133|n
173|03-28|F|-1|Nga|Hà Nội|RU|n
174|03-28|F|-1|Hà Nội|Hà Nội|BVBM|n
175|03-29|M|57|Hà Nội|Hà Nội|BVBM|n
176|03-29|F|38|Hà Nội|Hà Nội|BVBM|n
177|03-29|F|49|Hà Nội|Hà Nội|BVBM|n
178|03-29|F|44|Thái Nguyên|Thái Nguyên|BVBM|p
179|03-29||62|Hà Nội|Thanh Hóa|EU|n
180|03-29|F|27|Hà Nội|Ninh Bình|FR|n
181|03-29|M|33|Hà Nội|Ninh Bình|TH|n
182|03-29|F|19|Hà Nội|Ninh Bình|EU,CH|n
183|03-29|F|43|Hà Nội|Hà Nội|148|n
184|03-29|F|43|Vĩnh Phúc|Hà Nội|RU|n
185|03-29|M|38|Hà Nội|Hà Nội|BVBM|p
186|03-29|F|52|Pháp|Hà Nội|FR,76|n
187|03-29|M|30|Hà Nội|Hà Nội|US|n
188|03-29|F|44|Hà Nội|Hà Nam|BVBM|n
189|03-30|F|46|Thanh Hóa|Hà Nội|BVBM|n
190|03-30|F|49|Hà Nội|Hà Nội|BVBM|n
191|03-30|F|36|Hà Nội|Hà Nội|BVBM|n
192|03-30|F|23|Hà Nội|Hà Nội|BVBM|n
193|03-30|F|21|Hà Nội|Hà Nội|BVBM|p
194|03-30|F|42|Hà Nội|Hà Nội|BVBM|n
195|03-30|F|41|Hà Nội|Hà Nội|BVBM|n
196|03-30|F|34|Hà Nội|Hà Nội|BVBM|p
197|03-30|M|41|Hà Nội|Hà Nội|BVBM|n
198|03-30|F|53|Hà Nội|Hà Nội|BVBM|n
199|03-30|F|57|Hà Nội|Hà Nội|BVBM|n
200|03-30|F|61|Hà Nội|Hà Nội|BVBM|n
201|03-30|F|23|Hà Nội|Hà Nội|BVBM|p
202|03-30|F|57|Hà Nội|Hà Nội|BVBM|n
203|03-30|F|35|Hồ Chí Minh|Hồ Chí Minh|EU,GR|n
204|03-31|M|10|Hồ Chí Minh|Hồ Chí Minh|CZ|n
205|03-31|M|41|Hà Nội|Hà Nội|BVBM|n
206|03-31|M|48|Hồ Chí Minh|Hồ Chí Minh|124|n
207|03-31|M|49|Hồ Chí Minh|Hồ Chí Minh|151,124|n
208|04-01|F|38|Hà Nội|Hà Nội|BVBM|n
209|04-01|F|55|Hà Nội|Hà Nội|163|p
210|04-01|F|26|Hà Tĩnh|Hà Tĩnh|201|n
211|04-01|F|23|Hà Nội|Ninh Bình|US|n
212|04-01|F|35|Thái Bình|Vĩnh Phúc|RU|p
213|04-01|F|40|Hà Nội|Hà Nội|BVBM|n
214|04-01|F|45|Hà Nội|Hà Nội|BVBM|n
215|04-01|M|31|Hà Nội|Hà Nội|BVBM|n
216|04-01|F|48|Hà Nội|Hà Nội|DE|n
217|04-01|F|25|Nghệ An|Hà Nội|JP|n
218|04-01|F|43|Thái Nguyên|Hà Nội|RU|p
219|04-02|F|59|Hưng Yên|Hưng Yên|BVBM|n
220|04-02|M|20|Hà Nội|Hà Nội|FR|n
221|04-02|F|24|Hà Nội|Vĩnh Phúc|IMPORT,CA|n
222|04-02|F|28|Hà Nội|Hà Nội|US|n
223|04-02|F|29|Nam Định|Hà Nội|BVBM|n
224|04-02|M|39|Hồ Chí Minh|Hồ Chí Minh|158|n
225|04-02|M|35|Hải Phòng|Hà Nội|RU|p
226|04-02|M|22|Thái Bình|Vĩnh Phúc|RU|p
227|04-02|M|31|Hà Nội|Hà Nội|209|n
228|04-03|M|29|Bắc Giang|Ninh Bình|IMPORT|n
229|04-03|F|30|Hà Tĩnh|Ninh Bình|IMPORT|n
230|04-03|F|28|Hà Tĩnh|Ninh Bình|IMPORT|n
231|04-03|F|57|Bắc Kạn|Hà Nam|BVBM|n
232|04-03|M|67|Bà Rịa-Vũng Tàu|Vĩnh Phúc|IMPORT|n
233|04-03|F|24|Nghệ An|Vĩnh Phúc|IMPORT|p
234|04-03|F|69|Đăk Lăk|Hồ Chí Minh|FR|n
235|04-03|M|25|Hồ Chí Minh|Hồ Chí Minh|91|n
236|04-03|F|26|Hồ Chí Minh|Hồ Chí Minh|91|n
237|04-03|M|64|Thụy Điển|Hà Nội|IMPORT|n
238|04-04|F|17|Hà Tĩnh|Hà Tĩnh|210,TH|n
239|04-04|M|71|Vĩnh Phúc|Vĩnh Phúc|BVBM|n
240|04-04|F|29|Bắc Giang|Ninh Bình|166,TH|n
241|04-05|M|20|Hồ Chí Minh|Bạc Liêu|GB|n
242|04-06|F|34|Hà Tĩnh|Hà Nội|RU|n
243|04-06|M|47|Hà Nội|Hà Nội|BVBM|p
244|04-06|F|44|Quảng Bình|Hà Nội|DE|p
245|04-06|F|21|Nghệ An|Hà Nội|ES|p
246|04-07|M|33|Nghệ An|Hà Nội|RU|n
247|04-07|M|28|Hồ Chí Minh|Đồng Nai|124,151|n
248|04-07|M|20|Hồ Chí Minh|Hồ Chí Minh|US|n
249|04-07|M|55|Hà Nội|Hà Nội|US|n
250|04-08|F|50|Hà Nội|Hà Nội|243|p
251|04-08|M|64|Hà Nam|Hà Nam|VN|n
252|04-09|M|6|Hồ Chí Minh|Tây Ninh|KH|n
253|04-09|F|41|Hà Nội|Hà Nội|243|n
254|04-09|M|51|Hà Nội|Hà Nội|243,250|p
255|04-09|M|29|Hà Giang|Vĩnh Phúc|RU|p
256|04-10|M|52|Hưng Yên|Vĩnh Phúc|RU|p
257|04-10|F|15|Hà Nội|Hà Nội|243|p
258|04-11|F|47|Hà Nội|Hà Nội|243,257|n
259|04-12|F|41|Hà Nội|Hà Nội|254,250|p
260|04-12|F|35|Hà Nội|Hà Nội|243,259|p
261|04-13|F|60|Hà Nội|Hà Nội|243|p
262|04-13|M|26|Hà Nội|Hà Nội|254|p
263|04-13|F|45|Hà Nội|Hà Nội|243|p
264|04-13|F|24|Hà Nội|Hà Nội|243|p
265|04-13|M|26|Hà Tĩnh|Hà Tĩnh|TH|p
266|04-14|F|36|Hà Nội|Hà Nội|BVBM|n
267|04-15|M|46|Hà Nội|Hà Nội|243,257,258|p
268|04-16|F|16|Hà Giang|Hà Giang|CN|n
269|04-24|M|23|Bắc Giang|Thái Bình|JP|p
270|04-24|F|22|Bắc Giang|Thái Bình|JP|p
271|05-03|M|37|Anh|Hồ Chí Minh|GB|p
"""

CSV_HEADER = f"""\
# Viet Nam's public COVID-19 patient list of 2020: BN1–BN271, confirmed 23/01/2020–03/05/2020.
# Source: Ministry of Health announcements (ncov.moh.gov.vn) via the open-data repository
# trongthanh/vncovid19 (CC BY 4.0), data/patients.json at commit {COMMIT}.
# Written by tests/cases/data/make_vn_patients_2020.py from facts transcribed by hand (not a copy of that file).
# Transformed: Tỉnh = the residence province (a city mapped to its province; a residence abroad or empty
# replaced by the province of treatment) — every value is a real province of Viet Nam. Hình thức phát hiện =
# "Nhập cảnh" when the data's source is a country, else empty. Nguồn lây = the data's BN infectors exactly,
# written "BN17" / "NB 17" / "17" by a fixed rule. Ổ dịch = the Bạch Mai hospital outbreak where the data
# names it. Unknown ages (-1) left empty. Lines starting with # are notes: remove them before uploading.
"""


def _number(n: int, form: int) -> str:
    return (f"BN{n}", f"NB {n}", f"{n}")[form % 3]


def rows() -> list[list[str]]:
    out: list[list[str]] = []
    for line in PATIENTS.strip().splitlines():
        number, day, sex, age, residence, treated, sources, status = line.split("|")
        n = int(number)
        codes = sources.split(",")
        infectors = [int(c) for c in codes if c.isdigit()]
        province = treated if residence in FOREIGN_RESIDENCE else RESIDENCE.get(residence, residence)
        age_text = "" if age == "-1" else ("3 tháng" if age == "0.25" else age)
        out.append(
            [
                f"BN{n}",
                age_text,
                {"M": "Nam", "F": "Nữ", "": ""}[sex],
                province,
                f"{day[3:]}/{day[:2]}/2020",
                "Nhập cảnh" if ABROAD & set(codes) else "",
                (", ", "; ", " và ")[n % 3].join(_number(i, n + k) for k, i in enumerate(infectors)),
                BACH_MAI if "BVBM" in codes else "",
                {"p": "Đang điều trị", "n": "Khỏi"}[status],
            ]
        )
    return out


def main() -> None:
    out = io.StringIO()
    out.write(CSV_HEADER)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    writer.writerows(rows())
    Path(__file__).with_name("vn_patients_2020.csv").write_text(out.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    main()
